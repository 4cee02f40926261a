package ai.refold.webhooks.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.refold.webhooks.MutableClock;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;

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

    // Entries are taken over in place and evicted from a list of their own: with leases that never run out, however
    // claims, completions, releases, expiring retention and evictions interleave, a key has one holder at a time and
    // its holder can always end its claim.
    @Test
    void racingClaimsCompletionsReleasesAndEvictionsNeverShareOrLoseAClaim() throws Exception {
        InMemoryIdempotencyStore small = InMemoryIdempotencyStore.builder().clock(clock).maximumSize(8).build();
        Duration forever = Duration.ofDays(3650);
        int keys = 16;
        AtomicIntegerArray holders = new AtomicIntegerArray(keys);
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(5);
        try {
            List<Future<Integer>> workers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                workers.add(pool.submit(() -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    int held = 0;
                    for (int i = 0; i < 20_000; i++) {
                        int k = random.nextInt(keys);
                        String key = "k" + k;
                        String owner = thread + "-" + i;
                        ClaimResult claim = small.claim(key, owner, forever);
                        assertThat(claim).isNotEqualTo(ClaimResult.RECLAIMED);
                        if (!claim.isClaimed()) {
                            continue;
                        }
                        held++;
                        assertThat(holders.incrementAndGet(k)).as("holders of %s", key).isEqualTo(1);
                        assertThat(small.renew(key, owner, forever)).isTrue();
                        holders.decrementAndGet(k);
                        switch (random.nextInt(3)) {
                            case 0 -> assertThat(small.complete(key, owner, Duration.ofSeconds(1))).isTrue();
                            case 1 -> assertThat(small.release(key, owner)).isTrue();
                            default -> assertThat(small.release(key, owner, Set.of("h"), Duration.ofSeconds(1)))
                                    .isTrue();
                        }
                    }
                    return held;
                }));
            }
            pool.submit(() -> {
                while (!stop.get()) {
                    clock.advance(Duration.ofMillis(1));
                    Thread.onSpinWait();
                }
            });
            int held = 0;
            for (Future<Integer> worker : workers) {
                held += worker.get();
            }
            assertThat(held).isPositive();
            assertThat(small.size()).isLessThanOrEqualTo(8);
        } finally {
            stop.set(true);
            pool.shutdown();
        }
    }

    @Test
    void refusesAMaximumSizeBelowOne() {
        assertThatThrownBy(() -> InMemoryIdempotencyStore.builder().maximumSize(0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
