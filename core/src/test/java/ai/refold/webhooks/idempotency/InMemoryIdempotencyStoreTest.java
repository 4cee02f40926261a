package ai.refold.webhooks.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.refold.webhooks.MutableClock;

import org.junit.jupiter.api.Test;

import java.time.Duration;

/**
 * What only the in-memory store does: its bound, eviction order and millisecond clock. What every store does is the
 * store contract, which test-support runs against this store too.
 */
class InMemoryIdempotencyStoreTest {

    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final Duration RETENTION = Duration.ofHours(1);

    private final MutableClock clock = MutableClock.at("2026-11-01T10:00:00Z");
    private final InMemoryIdempotencyStore store = InMemoryIdempotencyStore.builder().clock(clock).build();

    @Test
    void measuresLeasesAndRetentionToTheMillisecond() {
        store.claim("leased", "a", LEASE);
        clock.advance(LEASE.minusMillis(1));
        assertThat(store.claim("leased", "b", LEASE)).isEqualTo(ClaimResult.IN_PROGRESS);
        clock.advance(Duration.ofMillis(1));
        assertThat(store.claim("leased", "b", LEASE)).isEqualTo(ClaimResult.RECLAIMED);
        assertThat(store.complete("leased", "a", RETENTION)).isFalse();
        assertThat(store.release("leased", "a")).isFalse();

        store.complete("leased", "b", RETENTION);
        clock.advance(RETENTION.minusMillis(1));
        assertThat(store.claim("leased", "c", LEASE)).isEqualTo(ClaimResult.COMPLETED);
        clock.advance(Duration.ofMillis(1));
        assertThat(store.claim("leased", "c", LEASE)).isEqualTo(ClaimResult.CLAIMED);
    }

    // Owners are unique per delivery attempt, so a receiver never asks this; the JDBC store answers CLAIMED here
    // (it reads its own row back), which is why the store contract leaves the case out.
    @Test
    void answersInProgressToAnOwnerThatClaimsItsLiveKeyAgain() {
        store.claim("k", "a", LEASE);

        assertThat(store.claim("k", "a", LEASE)).isEqualTo(ClaimResult.IN_PROGRESS);
    }

    @Test
    void keepsNoEntryForAKeyItWasAskedToCompleteOrReleaseButDoesNotHold() {
        assertThat(store.complete("nothing", "a", RETENTION)).isFalse();
        assertThat(store.release("nothing", "a")).isFalse();
        assertThat(store.size()).isZero();
    }

    @Test
    void evictsTheOldestCompletedEntryFirstWhenFull() {
        InMemoryIdempotencyStore small = InMemoryIdempotencyStore.builder().clock(clock).maximumSize(3).build();
        for (String key : new String[] {"a", "b", "c"}) {
            small.claim(key, "o-" + key, LEASE);
            small.complete(key, "o-" + key, RETENTION);
            clock.advance(Duration.ofSeconds(1));
        }

        assertThat(small.claim("d", "o-d", LEASE)).isEqualTo(ClaimResult.CLAIMED);

        assertThat(small.size()).isEqualTo(3);
        assertThat(small.claim("b", "x", LEASE)).isEqualTo(ClaimResult.COMPLETED);
        assertThat(small.claim("c", "x", LEASE)).isEqualTo(ClaimResult.COMPLETED);
        assertThat(small.claim("a", "x", LEASE)).isEqualTo(ClaimResult.CLAIMED); // forgotten, and b goes now
        assertThat(small.claim("c", "y", LEASE)).isEqualTo(ClaimResult.COMPLETED);
    }

    @Test
    void neverEvictsAnEntryBeingProcessed() {
        InMemoryIdempotencyStore small = InMemoryIdempotencyStore.builder().clock(clock).maximumSize(3).build();
        small.claim("processing", "p", LEASE);
        small.claim("a", "o-a", LEASE);
        small.complete("a", "o-a", RETENTION);
        small.claim("b", "o-b", LEASE);
        small.complete("b", "o-b", RETENTION);

        assertThat(small.claim("c", "o-c", LEASE)).isEqualTo(ClaimResult.CLAIMED);
        assertThat(small.claim("d", "o-d", LEASE)).isEqualTo(ClaimResult.CLAIMED);

        assertThat(small.claim("processing", "other", LEASE)).isEqualTo(ClaimResult.IN_PROGRESS);
        assertThat(small.complete("processing", "p", RETENTION)).isTrue();
    }

    @Test
    void failsAsUnavailableWhenFullOfLiveClaims() {
        InMemoryIdempotencyStore small = InMemoryIdempotencyStore.builder().clock(clock).maximumSize(2).build();
        small.claim("x", "ox", LEASE);
        small.claim("y", "oy", LEASE);

        assertThatThrownBy(() -> small.claim("z", "oz", LEASE)).isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("2");
        assertThat(small.claim("x", "other", LEASE)).isEqualTo(ClaimResult.IN_PROGRESS);
        assertThat(small.size()).isEqualTo(2);
    }

    @Test
    void reclaimsExpiredClaimsToMakeRoom() {
        InMemoryIdempotencyStore small = InMemoryIdempotencyStore.builder().clock(clock).maximumSize(2).build();
        small.claim("x", "ox", LEASE);
        clock.advance(Duration.ofSeconds(10));
        small.claim("y", "oy", LEASE);
        clock.advance(Duration.ofSeconds(25));

        assertThat(small.claim("z", "oz", LEASE)).isEqualTo(ClaimResult.CLAIMED);
        assertThat(small.claim("y", "other", LEASE)).isEqualTo(ClaimResult.IN_PROGRESS);
        assertThat(small.complete("x", "ox", RETENTION)).isFalse();
    }

    @Test
    void ordersEvictionByTheLatestCompletionOfAKey() {
        InMemoryIdempotencyStore small = InMemoryIdempotencyStore.builder().clock(clock).maximumSize(3).build();
        small.claim("a", "a1", LEASE);
        small.complete("a", "a1", Duration.ofSeconds(10));
        clock.advance(Duration.ofSeconds(1));
        small.claim("b", "b1", LEASE);
        small.complete("b", "b1", RETENTION);
        clock.advance(Duration.ofSeconds(10));
        small.claim("a", "a2", LEASE); // a's first completion has expired: a is processed again
        small.complete("a", "a2", RETENTION);
        clock.advance(Duration.ofSeconds(1));
        small.claim("c", "c1", LEASE);
        small.complete("c", "c1", RETENTION);

        small.claim("d", "d1", LEASE);

        assertThat(small.claim("a", "x", LEASE)).isEqualTo(ClaimResult.COMPLETED);
        assertThat(small.claim("c", "x", LEASE)).isEqualTo(ClaimResult.COMPLETED);
        assertThat(small.claim("b", "x", LEASE)).isEqualTo(ClaimResult.CLAIMED);
    }

    @Test
    void staysBoundedWhenTheSameKeysCompleteAgainAndAgain() {
        InMemoryIdempotencyStore small = InMemoryIdempotencyStore.builder().clock(clock).maximumSize(4).build();
        for (int round = 0; round < 100; round++) {
            for (int k = 0; k < 4; k++) {
                String key = "k" + k;
                assertThat(small.claim(key, "o" + round, LEASE)).isEqualTo(ClaimResult.CLAIMED);
                assertThat(small.complete(key, "o" + round, Duration.ofSeconds(1))).isTrue();
            }
            clock.advance(Duration.ofSeconds(1));
        }

        assertThat(small.size()).isEqualTo(4);
        assertThat(small.claim("new", "n", LEASE)).isEqualTo(ClaimResult.CLAIMED);
        assertThat(small.size()).isEqualTo(4);
    }

    @Test
    void refusesAMaximumSizeBelowOne() {
        assertThatThrownBy(() -> InMemoryIdempotencyStore.builder().maximumSize(0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
