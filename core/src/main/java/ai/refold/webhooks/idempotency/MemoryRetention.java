package ai.refold.webhooks.idempotency;

import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The done side of an {@link InMemoryInboxStore}, under its lock: a done entry is a duplicate guard until its
 * retention ends (its {@link InboxEntry#nextAttemptAt()}), and from then on neither guards nor needs keeping.
 */
final class MemoryRetention {

    private static final Comparator<InboxEntry> BY_END = Comparator.comparing(InboxEntry::nextAttemptAt);

    private MemoryRetention() {
    }

    /** Whether {@code entry} is done and its retention ran out at {@code now}: purged, and a new offer replaces it. */
    static boolean isExpired(InboxEntry entry, Instant now) {
        return entry.state() == InboxState.DONE && !entry.nextAttemptAt().isAfter(now);
    }

    /** Returns the keys of at most {@code max} done entries whose retention ran out at {@code now}, earliest first. */
    static List<String> expired(Collection<InboxEntry> entries, Instant now, int max) {
        return entries.stream().filter(entry -> isExpired(entry, now)).sorted(BY_END).limit(max)
                .map(InboxEntry::key).toList();
    }

    /** Returns the done entry whose retention ends first, if there is one: what a full store forgets. */
    static Optional<InboxEntry> firstToEnd(Collection<InboxEntry> entries) {
        return entries.stream().filter(entry -> entry.state() == InboxState.DONE).min(BY_END);
    }
}
