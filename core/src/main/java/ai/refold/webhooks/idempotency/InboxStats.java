package ai.refold.webhooks.idempotency;

import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A snapshot of an {@link InboxStore}, for gauges and reports (health checks ask {@link InboxStore#oldestDue()}).
 * A store may estimate a count that would be costly to make exactly (the JDBC store on PostgreSQL estimates the
 * done entries past {@value #EXACT_COUNT_LIMIT}), and says which ones it estimated.
 *
 * @param counts    how many entries are in each state
 * @param oldestDue when the oldest entry that is due became due, if any is due: a pending entry, or a taken one whose
 *                  lease ran out (its worker stopped renewing it), as {@link InboxStore#take} sees them; not one
 *                  held back by its ordering key
 * @param estimated the states whose count is an estimate rather than exact
 */
public record InboxStats(Map<InboxState, Long> counts, Optional<Instant> oldestDue, Set<InboxState> estimated) {

    /** How many entries of a state a store counts exactly at least, before it may estimate the count instead. */
    public static final int EXACT_COUNT_LIMIT = 10_000;

    /**
     * Creates a snapshot; a state missing from {@code counts} is counted as 0.
     *
     * @param counts    how many entries are in each state
     * @param oldestDue when the oldest due entry became due, if any is due
     * @param estimated the states whose count is an estimate
     * @throws NullPointerException if an argument is null
     */
    public InboxStats {
        EnumMap<InboxState, Long> all = new EnumMap<>(InboxState.class);
        for (InboxState state : InboxState.values()) {
            all.put(state, counts.getOrDefault(state, 0L));
        }
        counts = Map.copyOf(all);
        Objects.requireNonNull(oldestDue, "oldestDue");
        estimated = Set.copyOf(estimated);
    }

    /**
     * Creates a snapshot whose counts are all exact; a state missing from {@code counts} is counted as 0.
     *
     * @param counts    how many entries are in each state
     * @param oldestDue when the oldest due entry became due, if any is due
     * @throws NullPointerException if an argument is null
     */
    public InboxStats(Map<InboxState, Long> counts, Optional<Instant> oldestDue) {
        this(counts, oldestDue, Set.of());
    }

    /**
     * {@return how many entries are in {@code state}, exactly unless {@link #isEstimated} says otherwise}
     *
     * @param state the state to count
     */
    public long count(InboxState state) {
        return counts.get(state);
    }

    /**
     * {@return whether the count of {@code state} is an estimate}
     *
     * @param state the state asked about
     */
    public boolean isEstimated(InboxState state) {
        return estimated.contains(state);
    }
}
