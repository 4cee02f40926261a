package ai.refold.webhooks.idempotency;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The due side of an {@link InMemoryInboxStore}, under its lock: PENDING and PROCESSING entries by the time they are
 * due (or their lease runs out), then key; and, per ordering key, the pending entries in the order they were received
 * and the one taken, so that an ordered entry is free to be taken only while no other of its key is taken and none
 * received before it is pending.
 */
final class MemoryDue {

    private static final Comparator<InboxEntry> BY_RECEIPT =
            Comparator.comparing(InboxEntry::receivedAt).thenComparing(InboxEntry::key);

    private final TreeSet<InboxEntry> due = new TreeSet<>(
            Comparator.comparing(InboxEntry::nextAttemptAt).thenComparing(InboxEntry::key));
    private final Map<String, TreeSet<InboxEntry>> pending = new HashMap<>();
    // The key of the entry taken, per ordering key: there is at most one, since only a free entry is taken.
    private final Map<String, String> taken = new HashMap<>();

    /** Follows an entry's change: {@code previous} (or null) is replaced by {@code entry} (or null, if removed). */
    void replace(InboxEntry previous, InboxEntry entry) {
        if (previous != null && isUnfinished(previous)) {
            due.remove(previous);
            previous.orderingKey().ifPresent(ordering -> {
                if (previous.state() == InboxState.PROCESSING) {
                    taken.remove(ordering, previous.key());
                } else {
                    TreeSet<InboxEntry> queue = pending.get(ordering);
                    queue.remove(previous);
                    if (queue.isEmpty()) {
                        pending.remove(ordering);
                    }
                }
            });
        }
        if (entry != null && isUnfinished(entry)) {
            due.add(entry);
            entry.orderingKey().ifPresent(ordering -> {
                if (entry.state() == InboxState.PROCESSING) {
                    taken.put(ordering, entry.key());
                } else {
                    pending.computeIfAbsent(ordering, any -> new TreeSet<>(BY_RECEIPT)).add(entry);
                }
            });
        }
    }

    /** Returns up to {@code max} entries due at {@code now} and free to be taken, oldest due first. */
    List<InboxEntry> ready(Instant now, int max) {
        List<InboxEntry> ready = new ArrayList<>();
        for (InboxEntry entry : due) {
            if (ready.size() == max || entry.nextAttemptAt().isAfter(now)) {
                break;
            }
            if (!isHeldBack(entry)) {
                ready.add(entry);
            }
        }
        return ready;
    }

    /** Returns when the oldest entry due at {@code now} and free to be taken became due, if there is one. */
    Optional<Instant> oldestDue(Instant now) {
        List<InboxEntry> first = ready(now, 1);
        return first.isEmpty() ? Optional.empty() : Optional.of(first.get(0).nextAttemptAt());
    }

    // Whether another entry of its ordering key is taken, or one received before it is pending.
    private boolean isHeldBack(InboxEntry entry) {
        if (entry.orderingKey().isEmpty()) {
            return false;
        }
        String ordering = entry.orderingKey().get();
        String running = taken.get(ordering);
        if (running != null) {
            return !running.equals(entry.key());
        }
        TreeSet<InboxEntry> queue = pending.get(ordering);
        return queue != null && BY_RECEIPT.compare(queue.first(), entry) < 0;
    }

    private static boolean isUnfinished(InboxEntry entry) {
        return entry.state() == InboxState.PENDING || entry.state() == InboxState.PROCESSING;
    }
}
