package ai.refold.webhooks.idempotency;

import java.time.Duration;
import java.time.Instant;

/** Time arithmetic that saturates instead of overflowing, so a huge lease or retention never wraps into the past. */
final class Durations {

    /** The longest duration a store adds to its clock: about 292 years less a margin, far past any retention. */
    static final long MAX_MILLIS = Long.MAX_VALUE / 4;

    private Durations() {
    }

    /** Returns {@code now} plus {@code duration} in milliseconds, at least one and at most {@link #MAX_MILLIS}. */
    static long after(long now, Duration duration) {
        return now + millis(duration);
    }

    /** Returns {@code now} plus {@code duration}, as {@link #after(long, Duration)} adds them, to the millisecond. */
    static Instant after(Instant now, Duration duration) {
        return Instant.ofEpochMilli(after(now.toEpochMilli(), duration));
    }

    /** Returns {@code duration} in milliseconds, at least one and at most {@link #MAX_MILLIS}. */
    static long millis(Duration duration) {
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("duration must be positive but was " + duration);
        }
        if (duration.compareTo(Duration.ofMillis(MAX_MILLIS)) >= 0) {
            return MAX_MILLIS;
        }
        return Math.max(1, duration.toMillis());
    }
}
