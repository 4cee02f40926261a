package ai.refold.webhooks.idempotency;

import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A snapshot of an {@link InboxStore}, for gauges and reports (health checks ask {@link InboxStore#oldestDue()}).
 *
 * @param counts    how many entries are in each state
 * @param oldestDue when the oldest entry that is due became due, if any is due: a pending entry, or a taken one whose
 *                  lease ran out (its worker stopped renewing it), as {@link InboxStore#take} sees them; not one
 *                  held back by its ordering key
 */
public record InboxStats(Map<InboxState, Long> counts, Optional<Instant> oldestDue) {

    /**
     * Creates a snapshot; a state missing from {@code counts} is counted as 0.
     *
     * @param counts    how many entries are in each state
     * @param oldestDue when the oldest due entry became due, if any is due
     * @throws NullPointerException if an argument is null
     */
    public InboxStats {
        EnumMap<InboxState, Long> all = new EnumMap<>(InboxState.class);
        for (InboxState state : InboxState.values()) {
            all.put(state, counts.getOrDefault(state, 0L));
        }
        counts = Map.copyOf(all);
        Objects.requireNonNull(oldestDue, "oldestDue");
    }

    /**
     * {@return how many entries are in {@code state}}
     *
     * @param state the state to count
     */
    public long count(InboxState state) {
        return counts.get(state);
    }
}
