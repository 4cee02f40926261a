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
 * due (or their lease runs out), then key; and, per ordering key, those entries in the order they were received, so
 * that only the first of each is free to be taken.
 */
final class MemoryDue {

    private static final Comparator<InboxEntry> BY_RECEIPT =
            Comparator.comparing(InboxEntry::receivedAt).thenComparing(InboxEntry::key);

    private final TreeSet<InboxEntry> due = new TreeSet<>(
            Comparator.comparing(InboxEntry::nextAttemptAt).thenComparing(InboxEntry::key));
    private final Map<String, TreeSet<InboxEntry>> unfinished = new HashMap<>();

    /** Follows an entry's change: {@code previous} (or null) is replaced by {@code entry} (or null, if removed). */
    void replace(InboxEntry previous, InboxEntry entry) {
        if (previous != null && isUnfinished(previous)) {
            due.remove(previous);
            previous.orderingKey().ifPresent(ordering -> {
                TreeSet<InboxEntry> queue = unfinished.get(ordering);
                queue.remove(previous);
                if (queue.isEmpty()) {
                    unfinished.remove(ordering);
                }
            });
        }
        if (entry != null && isUnfinished(entry)) {
            due.add(entry);
            entry.orderingKey().ifPresent(ordering -> unfinished.computeIfAbsent(ordering,
                    any -> new TreeSet<>(BY_RECEIPT)).add(entry));
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

    // Whether an unfinished entry of the same ordering key was received before this one.
    private boolean isHeldBack(InboxEntry entry) {
        return entry.orderingKey().isPresent()
                && BY_RECEIPT.compare(unfinished.get(entry.orderingKey().get()).first(), entry) < 0;
    }

    private static boolean isUnfinished(InboxEntry entry) {
        return entry.state() == InboxState.PENDING || entry.state() == InboxState.PROCESSING;
    }
}
