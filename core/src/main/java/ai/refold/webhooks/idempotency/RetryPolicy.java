package ai.refold.webhooks.idempotency;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * When an inbox tries a failed delivery again: up to {@code maxAttempts} attempts, the wait before attempt
 * {@code n + 1} drawn at random between zero and {@code min(maxDelay, baseDelay × 2^(n - 1))} (exponential backoff
 * with full jitter, so that instances recovering together do not retry in lockstep). After the last attempt fails
 * the delivery is dead. An attempt lost with its worker (a crash, a kill) counts too: a delivery whose attempts were
 * all lost is dead, without running again, when a worker next takes it.
 *
 * <p>The {@linkplain #defaults() defaults} make 20 attempts, base 30 seconds, at most 12 hours apart: the waits cap
 * from the 12th failure on, so the 19 waits between the 20 attempts add up to at most 407,010 seconds (4.7 days) and
 * on average half that (2.4 days).
 *
 * @param maxAttempts how many attempts in all, the first included
 * @param baseDelay   the cap of the wait after the first failure, doubling with each failure after it
 * @param maxDelay    the longest any wait may be
 */
public record RetryPolicy(int maxAttempts, Duration baseDelay, Duration maxDelay) {

    private static final RetryPolicy DEFAULTS = new RetryPolicy(20, Duration.ofSeconds(30), Duration.ofHours(12));

    /**
     * Creates a policy; {@link #defaults()} suits most inboxes.
     *
     * @param maxAttempts how many attempts in all, the first included, 1 to 1,000
     * @param baseDelay   the cap of the wait after the first failure, doubling with each failure after it
     * @param maxDelay    the longest any wait may be, at most 30 days
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code maxAttempts} is below 1 or above 1,000, or a delay is not positive,
     *                                  longer than 30 days, or the base longer than the maximum
     */
    public RetryPolicy {
        if (maxAttempts < 1 || maxAttempts > 1_000) {
            throw new IllegalArgumentException("maxAttempts must be 1 to 1000 but was " + maxAttempts);
        }
        Objects.requireNonNull(baseDelay, "baseDelay");
        Objects.requireNonNull(maxDelay, "maxDelay");
        Duration longest = Duration.ofDays(30);
        if (baseDelay.isNegative() || baseDelay.isZero() || maxDelay.compareTo(longest) > 0
                || baseDelay.compareTo(maxDelay) > 0) {
            throw new IllegalArgumentException("delays must be positive, base at most max, max at most 30 days");
        }
    }

    /** {@return the defaults described above} */
    public static RetryPolicy defaults() {
        return DEFAULTS;
    }

    /**
     * {@return whether a delivery that has failed {@code failedAttempts} times is dead}
     *
     * @param failedAttempts how many attempts at the delivery have failed
     */
    public boolean isExhausted(int failedAttempts) {
        return failedAttempts >= maxAttempts;
    }

    /**
     * {@return the largest wait after {@code failedAttempts} failures (at least 1): the jitter's upper bound}
     *
     * @param failedAttempts how many attempts at the delivery have failed, at least 1
     */
    public Duration ceilingAfter(int failedAttempts) {
        long max = maxDelay.toMillis();
        long ceiling = baseDelay.toMillis();
        for (int doubling = 1; doubling < failedAttempts && ceiling < max; doubling++) {
            ceiling *= 2;
        }
        return Duration.ofMillis(Math.min(ceiling, max));
    }

    /**
     * {@return the wait after {@code failedAttempts} failures, drawn from {@code random} (full jitter)}
     *
     * @param failedAttempts how many attempts at the delivery have failed, at least 1
     * @param random         the source of the jitter
     */
    public Duration delayAfter(int failedAttempts, RandomGenerator random) {
        long ceiling = ceilingAfter(failedAttempts).toMillis();
        return Duration.ofMillis(random.nextLong(ceiling + 1));
    }
}
