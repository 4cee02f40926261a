package ai.refold.webhooks.idempotency;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The retry policy's arithmetic, with the figures its javadoc and docs/inbox.md give for the defaults. */
class RetryPolicyTest {

    private final RetryPolicy defaults = RetryPolicy.defaults();

    @Test
    void theDefaultCeilingsDoubleFromThirtySecondsAndCapAtTwelveHoursFromTheTwelfthFailure() {
        assertThat(defaults.ceilingAfter(1)).isEqualTo(Duration.ofSeconds(30));
        assertThat(defaults.ceilingAfter(2)).isEqualTo(Duration.ofSeconds(60));
        assertThat(defaults.ceilingAfter(11)).isEqualTo(Duration.ofSeconds(30L << 10));
        assertThat(defaults.ceilingAfter(12)).isEqualTo(Duration.ofHours(12));
        assertThat(defaults.ceilingAfter(1_000)).isEqualTo(Duration.ofHours(12));
    }

    @Test
    void theDefaultWaitsBetweenTwentyAttemptsAddUpToAtMost4Point7Days() {
        Duration most = Duration.ZERO;
        for (int failed = 1; failed < defaults.maxAttempts(); failed++) {
            most = most.plus(defaults.ceilingAfter(failed));
        }
        assertThat(most).isEqualTo(Duration.ofSeconds(407_010));
        assertThat(most.toHours()).isEqualTo(113); // 4.7 days; full jitter draws half of it on average: 2.4 days
        assertThat(defaults.isExhausted(19)).isFalse();
        assertThat(defaults.isExhausted(20)).isTrue();
    }

    @Test
    void eachWaitIsDrawnBetweenZeroAndItsCeiling() {
        RandomGenerator random = new SplittableRandom(7);
        for (int failed = 1; failed <= 20; failed++) {
            for (int draw = 0; draw < 200; draw++) {
                assertThat(defaults.delayAfter(failed, random)).isBetween(Duration.ZERO, defaults.ceilingAfter(failed));
            }
        }
    }

    @Test
    void refusesPoliciesOutsideItsBounds() {
        assertThatThrownBy(() -> new RetryPolicy(0, Duration.ofSeconds(1), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RetryPolicy(3, Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RetryPolicy(3, Duration.ofSeconds(1), Duration.ofDays(31)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
