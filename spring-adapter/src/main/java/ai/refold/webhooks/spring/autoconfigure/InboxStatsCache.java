package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.idempotency.InboxStats;
import ai.refold.webhooks.idempotency.InboxStore;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The inbox's counts for the gauges, read from the store at most once per
 * {@link #MAX_AGE}: a scrape reading every gauge, or several scrapes close together, cost one
 * query. A store that cannot answer is remembered as a failure for as long.
 */
final class InboxStatsCache {

    /** How long one reading of the store is reused. */
    static final Duration MAX_AGE = Duration.ofSeconds(1);

    /**
     * One reading of the store.
     *
     * @param readAt  when it was read, by the application's clock
     * @param stats   what the store answered, unless it failed
     * @param failure why the store could not answer, if it failed
     */
    record Snapshot(Instant readAt, Optional<InboxStats> stats, Optional<RuntimeException> failure) {
    }

    private final InboxStore store;
    private final Clock clock;
    private Snapshot last;

    InboxStatsCache(InboxStore store, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Returns the last reading if it is recent enough, or reads the store; callers wait for one reading at a time. */
    synchronized Snapshot current() {
        Instant now = clock.instant();
        if (last == null || !now.isBefore(last.readAt().plus(MAX_AGE)) || now.isBefore(last.readAt())) {
            try {
                last = new Snapshot(now, Optional.of(store.stats()), Optional.empty());
            } catch (RuntimeException e) {
                last = new Snapshot(now, Optional.empty(), Optional.of(e));
            }
        }
        return last;
    }
}
