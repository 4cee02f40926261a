package ai.refold.webhooks.spring.autoconfigure;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One reading of the inbox store (its counts for the gauges, its oldest due delivery for the health), taken at most
 * once per {@link #MAX_AGE}: a scrape reading every gauge, or probes close together, cost one reading. A store that
 * cannot answer is remembered as a failure for as long.
 *
 * @param <T> what is read
 */
final class InboxReading<T> {

    /** How long one reading of the store is reused. */
    static final Duration MAX_AGE = Duration.ofSeconds(1);

    /**
     * One reading of the store.
     *
     * @param readAt  when it was read, by the application's clock
     * @param value   what the store answered, unless it failed
     * @param failure why the store could not answer, if it failed
     * @param <T>     what was read
     */
    record Snapshot<T>(Instant readAt, Optional<T> value, Optional<RuntimeException> failure) {
    }

    private final Supplier<T> read;
    private final Clock clock;
    private Snapshot<T> last;

    InboxReading(Supplier<T> read, Clock clock) {
        this.read = Objects.requireNonNull(read, "read");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Returns the last reading if it is recent enough, or reads the store (an answer of null counts as a failure);
     * callers wait for one reading at a time.
     */
    synchronized Snapshot<T> current() {
        Instant now = clock.instant();
        if (last == null || !now.isBefore(last.readAt().plus(MAX_AGE)) || now.isBefore(last.readAt())) {
            try {
                last = new Snapshot<>(now, Optional.of(read.get()), Optional.empty());
            } catch (RuntimeException e) {
                last = new Snapshot<>(now, Optional.empty(), Optional.of(e));
            }
        }
        return last;
    }
}
