package ai.refold.webhooks.test;

import ai.refold.webhooks.DeliveryRequest;
import ai.refold.webhooks.DeliveryResult;
import ai.refold.webhooks.Outcome;
import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.idempotency.ClaimResult;
import ai.refold.webhooks.idempotency.IdempotencyKeyExtractor;
import ai.refold.webhooks.idempotency.IdempotencyStore;
import ai.refold.webhooks.idempotency.StoreUnavailableException;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every {@link IdempotencyStore} must do, as one JUnit 5 suite that any store runs unchanged: claims, completion
 * and release with their owner checks, leases and retention that run out, take-over of an expired claim, two nodes
 * racing for one key, two receivers processing each of 5,000 events once although each is delivered three times, and
 * an outage answered 503 without losing anything. The in-memory store, and the JDBC store on H2 and on PostgreSQL,
 * run it in this project's build.
 *
 * <p>To run it against your own store, extend it in your tests and answer four hooks:
 *
 * <ul>
 *   <li>{@link #newNode()}: a store instance as one application instance would hold it. Every node returned during
 *       one test must share one state, as two instances of a receiver share one database; a store that lives in
 *       one JVM returns the same instance each time.</li>
 *   <li>{@link #advanceTime(Duration)}: make time pass for the leases and retention the store holds, for example
 *       by moving the clock the store was built with, or by moving stored expiry times into the past. Nothing
 *       sleeps.</li>
 *   <li>{@link #stopStore()} and {@link #startStore()}: make the store unreachable, then reachable again with
 *       everything it held; while it is down, every operation must throw {@link StoreUnavailableException}. A store
 *       with nothing to stop can be wrapped in a test {@link IdempotencyStore} that throws while "down".</li>
 * </ul>
 *
 * <p>A test class per store, then: {@code class RedisIdempotencyStoreTest extends IdempotencyStoreContract}. JUnit
 * creates one instance of it per test, so instance fields (a clock, a store) start afresh each time. Each test uses
 * keys of its own, so the store need not be emptied between tests. Time moves only through
 * {@link #advanceTime(Duration)}; a store whose clock also runs in real time (a database's) is safe, because every
 * expiry the suite checks has at least five seconds to spare. Stores that are slow to open connections may override
 * {@link #newNodeUnderLoad()}.
 */
public abstract class IdempotencyStoreContract {

    /** The lease every claim of the suite asks for. */
    protected static final Duration LEASE = Duration.ofSeconds(30);
    /** The retention every completion of the suite asks for, unless a test says otherwise. */
    protected static final Duration RETENTION = Duration.ofDays(7);

    // What each expiry the suite checks has to spare on either side, so that real time passing cannot decide it.
    private static final Duration MARGIN = Duration.ofSeconds(5);
    private static final String SAMPLE_INSTANCE_ID = "656f308b9144bb8f183bfc7b";
    private static final int LOAD_EVENTS = 5_000;
    private static final int LOAD_COPIES = 3;
    private static final int LOAD_THREADS = 8;

    // Keys and instance ids of this test alone; no colon, so that an instance id is the last part of its key.
    private final String run = "contract-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + "-";

    private IdempotencyStore nodeA;
    private IdempotencyStore nodeB;

    /** Creates the suite; JUnit creates one instance of the subclass per test. */
    public IdempotencyStoreContract() {
    }

    /**
     * {@return a new node: a store that shares its state with every other node returned during the current test} The
     * suite asks for two before each test, and more for the tests that build receivers.
     */
    protected abstract IdempotencyStore newNode();

    /**
     * {@return a node for the test in which two receivers take 15,000 deliveries from 8 threads; {@link #newNode()}
     * by default} A JDBC store may hand out one with pooled connections here, closing them after the test.
     */
    protected IdempotencyStore newNodeUnderLoad() {
        return newNode();
    }

    /**
     * Makes {@code duration} pass for every lease and retention the store holds, as if its clock moved on.
     *
     * @param duration how far the store's clock moves on
     */
    protected abstract void advanceTime(Duration duration);

    /** Makes the store unreachable for every node: each operation throws {@link StoreUnavailableException}. */
    protected abstract void stopStore();

    /** Makes the store reachable again, holding everything it held before {@link #stopStore()}. */
    protected abstract void startStore();

    @BeforeEach
    void createTwoNodes() {
        nodeA = newNode();
        nodeB = newNode();
    }

    @Test
    void anAbsentKeyIsClaimedOnceAndIsInProgressForEveryoneElse() {
        assertThat(nodeA.claim(key("k"), "owner-1", LEASE)).isEqualTo(ClaimResult.CLAIMED);

        assertThat(nodeB.claim(key("k"), "owner-2", LEASE)).isEqualTo(ClaimResult.IN_PROGRESS);
        assertThat(nodeA.claim(key("k"), "owner-3", LEASE)).isEqualTo(ClaimResult.IN_PROGRESS);
        assertThat(nodeB.claim(key("other"), "owner-4", LEASE)).isEqualTo(ClaimResult.CLAIMED);
    }

    @Test
    void aCompletedKeyIsADuplicateOnEveryNodeWithinItsRetention() {
        nodeA.claim(key("k"), "owner-1", LEASE);

        assertThat(nodeA.complete(key("k"), "owner-1", RETENTION)).isTrue();

        assertThat(nodeB.claim(key("k"), "owner-2", LEASE)).isEqualTo(ClaimResult.COMPLETED);
        assertThat(nodeA.claim(key("k"), "owner-3", LEASE)).isEqualTo(ClaimResult.COMPLETED);
    }

    @Test
    void aCompletedKeyCanNeitherBeCompletedAgainNorReleased() {
        nodeA.claim(key("k"), "owner-1", LEASE);
        nodeA.complete(key("k"), "owner-1", RETENTION);

        assertThat(nodeA.complete(key("k"), "owner-1", RETENTION)).isFalse();
        assertThat(nodeA.release(key("k"), "owner-1")).isFalse();
        assertThat(nodeB.claim(key("k"), "owner-2", LEASE)).isEqualTo(ClaimResult.COMPLETED);
    }

    @Test
    void onlyTheOwnerCompletesOrReleasesAClaim() {
        nodeA.claim(key("k"), "owner-1", LEASE);

        assertThat(nodeB.complete(key("k"), "owner-2", RETENTION)).isFalse();
        assertThat(nodeB.release(key("k"), "owner-2")).isFalse();
        assertThat(nodeB.claim(key("k"), "owner-2", LEASE)).isEqualTo(ClaimResult.IN_PROGRESS);

        assertThat(nodeA.complete(key("k"), "owner-1", RETENTION)).isTrue();
    }

    @Test
    void aReleasedKeyCanBeClaimedAgainButNotReleasedTwice() {
        nodeA.claim(key("k"), "owner-1", LEASE);

        assertThat(nodeA.release(key("k"), "owner-1")).isTrue();
        assertThat(nodeA.release(key("k"), "owner-1")).isFalse();
        assertThat(nodeB.claim(key("k"), "owner-2", LEASE)).isEqualTo(ClaimResult.CLAIMED);
    }

    @Test
    void aKeyNobodyHoldsCanNeitherBeCompletedNorReleased() {
        assertThat(nodeA.complete(key("nothing"), "owner-1", RETENTION)).isFalse();
        assertThat(nodeA.release(key("nothing"), "owner-1")).isFalse();
        assertThat(nodeB.claim(key("nothing"), "owner-2", LEASE)).isEqualTo(ClaimResult.CLAIMED);
    }

    @Test
    void aClaimHoldsUntilItsLeaseRunsOutAndIsThenReclaimed() {
        nodeA.claim(key("k"), "owner-1", LEASE);

        advanceTime(LEASE.minus(MARGIN));
        assertThat(nodeB.claim(key("k"), "owner-2", LEASE)).isEqualTo(ClaimResult.IN_PROGRESS);

        advanceTime(MARGIN.multipliedBy(2));
        assertThat(nodeB.claim(key("k"), "owner-2", LEASE)).isEqualTo(ClaimResult.RECLAIMED);
    }

    @Test
    void anExpiredClaimIsTakenOverAndItsOldOwnerCanNeitherCompleteNorReleaseNorRenewIt() {
        nodeA.claim(key("k"), "slow-owner", LEASE);
        advanceTime(LEASE.plus(MARGIN));

        assertThat(nodeB.claim(key("k"), "new-owner", LEASE)).isEqualTo(ClaimResult.RECLAIMED);

        assertThat(nodeA.complete(key("k"), "slow-owner", RETENTION)).isFalse();
        assertThat(nodeA.release(key("k"), "slow-owner")).isFalse();
        assertThat(nodeA.renew(key("k"), "slow-owner", LEASE)).isFalse();
        assertThat(nodeA.claim(key("k"), "third-owner", LEASE)).isEqualTo(ClaimResult.IN_PROGRESS);
        assertThat(nodeB.complete(key("k"), "new-owner", RETENTION)).isTrue();
        assertThat(nodeA.claim(key("k"), "third-owner", LEASE)).isEqualTo(ClaimResult.COMPLETED);
    }

    @Test
    void ownershipNotTheClockDecidesTheOwnerCompletesAClaimWhoseLeaseRanOutIfNobodyTookItOver() {
        nodeA.claim(key("k"), "owner-1", LEASE);
        advanceTime(LEASE.plus(MARGIN));

        assertThat(nodeA.complete(key("k"), "owner-1", RETENTION)).isTrue();
        assertThat(nodeB.claim(key("k"), "owner-2", LEASE)).isEqualTo(ClaimResult.COMPLETED);
    }

    @Test
    void theOwnerReleasesAClaimWhoseLeaseRanOutIfNobodyTookItOver() {
        nodeA.claim(key("k"), "owner-1", LEASE);
        advanceTime(LEASE.plus(MARGIN));

        assertThat(nodeA.release(key("k"), "owner-1")).isTrue();
        assertThat(nodeB.claim(key("k"), "owner-2", LEASE)).isEqualTo(ClaimResult.CLAIMED);
    }

    @Test
    void aRenewedClaimHoldsForAnotherLeaseFromTheRenewal() {
        nodeA.claim(key("k"), "owner-1", LEASE);
        advanceTime(LEASE.minus(MARGIN));

        assertThat(nodeA.renew(key("k"), "owner-1", LEASE)).isTrue();
        advanceTime(LEASE.minus(MARGIN));
        assertThat(nodeB.claim(key("k"), "owner-2", LEASE)).isEqualTo(ClaimResult.IN_PROGRESS);
        assertThat(nodeB.renew(key("k"), "owner-2", LEASE)).isFalse();

        advanceTime(MARGIN.multipliedBy(2));
        assertThat(nodeB.claim(key("k"), "owner-2", LEASE)).isEqualTo(ClaimResult.RECLAIMED);
    }

    @Test
    void aCompletedOrReleasedClaimCannotBeRenewed() {
        nodeA.claim(key("done"), "owner-1", LEASE);
        nodeA.complete(key("done"), "owner-1", RETENTION);
        nodeA.claim(key("gone"), "owner-1", LEASE);
        nodeA.release(key("gone"), "owner-1");

        assertThat(nodeA.renew(key("done"), "owner-1", LEASE)).isFalse();
        assertThat(nodeA.renew(key("gone"), "owner-1", LEASE)).isFalse();
        assertThat(nodeA.renew(key("never"), "owner-1", LEASE)).isFalse();
    }

    @Test
    void aReleaseWithProgressIsResumedWithTheHandlersThatSucceeded() {
        nodeA.claim(key("k"), "owner-1", LEASE);

        assertThat(nodeA.release(key("k"), "owner-1", Set.of("alerts", "Audit.record"), RETENTION)).isTrue();

        assertThat(nodeB.claim(key("k"), "owner-2", LEASE)).isEqualTo(ClaimResult.RESUMED);
        assertThat(nodeB.doneHandlers(key("k"))).containsExactlyInAnyOrder("alerts", "Audit.record");
        assertThat(nodeA.claim(key("k"), "owner-3", LEASE)).isEqualTo(ClaimResult.IN_PROGRESS);
        assertThat(nodeB.complete(key("k"), "owner-2", RETENTION)).isTrue();
        assertThat(nodeA.claim(key("k"), "owner-3", LEASE)).isEqualTo(ClaimResult.COMPLETED);
        assertThat(nodeA.doneHandlers(key("k"))).isEmpty();
    }

    // The receiver records that a released attempt was a rerun as a done-handler name no handler can have (it holds
    // a control character): a store keeps every name exactly as given.
    @Test
    void doneHandlerNamesAreKeptExactlyEvenOneHoldingAControlCharacter() {
        nodeA.claim(key("k"), "owner-1", LEASE);
        Set<String> names = Set.of("\u0001rerun", "alerts", "Audit.record(WorkflowErrored)", "caf\u00e9 \u2603");

        assertThat(nodeA.release(key("k"), "owner-1", names, RETENTION)).isTrue();

        assertThat(nodeB.claim(key("k"), "owner-2", LEASE)).isEqualTo(ClaimResult.RESUMED);
        assertThat(nodeB.doneHandlers(key("k"))).containsExactlyInAnyOrderElementsOf(names);
    }

    @Test
    void theProgressOfAResumedClaimSurvivesItsTakeOverAfterACrash() {
        nodeA.claim(key("k"), "owner-1", LEASE);
        nodeA.release(key("k"), "owner-1", Set.of("alerts"), RETENTION);
        nodeB.claim(key("k"), "crashes", LEASE);
        advanceTime(LEASE.plus(MARGIN));

        assertThat(nodeA.claim(key("k"), "owner-3", LEASE)).isEqualTo(ClaimResult.RECLAIMED);
        assertThat(nodeA.doneHandlers(key("k"))).containsExactly("alerts");
    }

    // A receiver whose store failed to say what a resumed claim's earlier attempts did ends that claim's lease by
    // renewing it to a millisecond, so that the retry takes it over with the progress kept.
    @Test
    void aClaimRenewedToAMillisecondIsTakenOverWithItsProgressOnceItPassed() {
        nodeA.claim(key("k"), "owner-1", LEASE);
        nodeA.release(key("k"), "owner-1", Set.of("alerts"), RETENTION);
        assertThat(nodeB.claim(key("k"), "owner-2", LEASE)).isEqualTo(ClaimResult.RESUMED);

        assertThat(nodeB.renew(key("k"), "owner-2", Duration.ofMillis(1))).isTrue();
        advanceTime(MARGIN);

        assertThat(nodeA.claim(key("k"), "owner-3", LEASE)).isEqualTo(ClaimResult.RECLAIMED);
        assertThat(nodeA.doneHandlers(key("k"))).containsExactly("alerts");
    }

    @Test
    void theProgressOfAReleaseIsForgottenAfterItsRetention() {
        Duration retention = MARGIN.multipliedBy(4);
        nodeA.claim(key("k"), "owner-1", LEASE);
        nodeA.release(key("k"), "owner-1", Set.of("alerts"), retention);

        advanceTime(retention.plus(MARGIN));

        assertThat(nodeB.claim(key("k"), "owner-2", LEASE)).isEqualTo(ClaimResult.CLAIMED);
        assertThat(nodeB.doneHandlers(key("k"))).isEmpty();
    }

    @Test
    void theLeaseRemainingOfAClaimIsKnownOrUnknownButNeverLongerThanTheLease() {
        nodeA.claim(key("k"), "owner-1", LEASE);
        advanceTime(MARGIN);

        Optional<Duration> remaining = nodeB.leaseRemaining(key("k"));
        remaining.ifPresent(left -> assertThat(left).isLessThanOrEqualTo(LEASE.minus(MARGIN))
                .isGreaterThan(LEASE.minus(MARGIN.multipliedBy(2))));
        nodeA.complete(key("k"), "owner-1", RETENTION);
        assertThat(nodeB.leaseRemaining(key("k"))).isEmpty();
        assertThat(nodeB.leaseRemaining(key("never"))).isEmpty();
    }

    @Test
    void keysThatDifferOnlyInANulOrALoneSurrogateAreKeptApart() {
        String base = key("odd");
        List<String> keys = List.of(base + "\u0000", base, base + "\ud800", base + "\udc00", base + "\ufffd");

        for (String key : keys) {
            assertThat(nodeA.claim(key, "owner-1", LEASE)).as("%s", key.chars().boxed().toList())
                    .isEqualTo(ClaimResult.CLAIMED);
        }
        assertThat(nodeA.complete(keys.get(0), "owner-1", RETENTION)).isTrue();
        assertThat(nodeB.claim(keys.get(0), "owner-2", LEASE)).isEqualTo(ClaimResult.COMPLETED);
        assertThat(nodeB.claim(keys.get(2), "owner-2", LEASE)).isEqualTo(ClaimResult.IN_PROGRESS);
    }

    @Test
    void aCompletedKeyCanBeClaimedAgainOnceItsRetentionRanOut() {
        nodeA.claim(key("k"), "owner-1", LEASE);
        nodeA.complete(key("k"), "owner-1", RETENTION);

        advanceTime(RETENTION.minus(MARGIN));
        assertThat(nodeB.claim(key("k"), "owner-2", LEASE)).isEqualTo(ClaimResult.COMPLETED);

        advanceTime(MARGIN.multipliedBy(2));
        assertThat(nodeB.claim(key("k"), "owner-2", LEASE)).isEqualTo(ClaimResult.CLAIMED);
        assertThat(nodeA.claim(key("k"), "owner-3", LEASE)).isEqualTo(ClaimResult.IN_PROGRESS);
    }

    @Test
    void retentionIsMeasuredFromCompletionNotFromTheClaim() {
        Duration retention = MARGIN.multipliedBy(4);
        nodeA.claim(key("k"), "owner-1", LEASE);
        advanceTime(LEASE.minus(MARGIN));
        nodeA.complete(key("k"), "owner-1", retention);

        advanceTime(retention.minus(MARGIN));
        assertThat(nodeB.claim(key("k"), "owner-2", LEASE)).isEqualTo(ClaimResult.COMPLETED);

        advanceTime(MARGIN.multipliedBy(2));
        assertThat(nodeB.claim(key("k"), "owner-2", LEASE)).isEqualTo(ClaimResult.CLAIMED);
    }

    @Test
    void aKeyOfTheLongestLengthAndKeysDifferingOnlyInCaseAreKeptApart() {
        String longest = key("k".repeat(IdempotencyKeyExtractor.MAX_LENGTH - run.length()));

        assertThat(longest).hasSize(IdempotencyKeyExtractor.MAX_LENGTH);
        assertThat(nodeA.claim(longest, "owner-1", LEASE)).isEqualTo(ClaimResult.CLAIMED);
        assertThat(nodeA.claim(key("sha256:ABC"), "owner-2", LEASE)).isEqualTo(ClaimResult.CLAIMED);
        assertThat(nodeA.claim(key("sha256:abc"), "owner-3", LEASE)).isEqualTo(ClaimResult.CLAIMED);
        assertThat(nodeB.claim(longest, "owner-4", LEASE)).isEqualTo(ClaimResult.IN_PROGRESS);
    }

    @Test
    void twoNodesRacingForOneKeyNeverBothWin() throws Exception {
        int rounds = 200;
        CyclicBarrier barrier = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < rounds; round++) {
                String key = key("race-" + round);
                if (round % 2 == 1) {
                    // every other round races to take over an expired claim instead of claiming an absent key
                    nodeA.claim(key, "crashed-owner", LEASE);
                    advanceTime(LEASE.plus(MARGIN));
                }
                Future<ClaimResult> a = pool.submit(() -> {
                    barrier.await(10, TimeUnit.SECONDS);
                    return nodeA.claim(key, "a", LEASE);
                });
                Future<ClaimResult> b = pool.submit(() -> {
                    barrier.await(10, TimeUnit.SECONDS);
                    return nodeB.claim(key, "b", LEASE);
                });
                List<ClaimResult> results = List.of(a.get(30, TimeUnit.SECONDS), b.get(30, TimeUnit.SECONDS));

                assertThat(results).as("round %d", round).containsExactlyInAnyOrder(
                        round % 2 == 1 ? ClaimResult.RECLAIMED : ClaimResult.CLAIMED, ClaimResult.IN_PROGRESS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void twoReceiversSharingTheStoreRunEachEventOnceHoweverOftenItIsDelivered() throws Exception {
        Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        Set<String> keys = ConcurrentHashMap.newKeySet();
        IdempotencyStore storeA = newNodeUnderLoad();
        IdempotencyStore storeB = newNodeUnderLoad();
        List<WebhookReceiver> receivers = List.of(receiver(storeA, runs, keys), receiver(storeB, runs, keys));
        List<DeliveryRequest> deliveries = new ArrayList<>();
        for (int i = 0; i < LOAD_EVENTS; i++) {
            DeliveryRequest delivery = delivery("instance-" + i);
            for (int copy = 0; copy < LOAD_COPIES; copy++) {
                deliveries.add(delivery);
            }
        }
        Collections.shuffle(deliveries, new Random(42));
        Map<Outcome, AtomicInteger> outcomes = new ConcurrentHashMap<>();
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(LOAD_THREADS);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < LOAD_THREADS; t++) {
                WebhookReceiver receiver = receivers.get(t % 2);
                workers.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < deliveries.size(); i = next.getAndIncrement()) {
                        DeliveryResult result = receiver.receive(deliveries.get(i));
                        outcomes.computeIfAbsent(result.outcome(), o -> new AtomicInteger()).incrementAndGet();
                    }
                }));
            }
            for (Future<?> worker : workers) {
                worker.get(5, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }

        assertThat(runs).hasSize(LOAD_EVENTS);
        assertThat(runs.values()).allSatisfy(count -> assertThat(count.get()).isEqualTo(1));
        assertThat(outcomes.get(Outcome.PROCESSED).get()).isEqualTo(LOAD_EVENTS);
        assertThat(outcomes.keySet()).isSubsetOf(Outcome.PROCESSED, Outcome.DUPLICATE, Outcome.IN_PROGRESS);
        assertThat(keys).hasSize(LOAD_EVENTS)
                .allSatisfy(key -> assertThat(storeA.claim(key, "checker", LEASE)).isEqualTo(ClaimResult.COMPLETED));
    }

    @Test
    void whileTheStoreIsDownDeliveriesAreAnswered503AndAfterItReturnsProcessedExactlyOnce() {
        Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        WebhookReceiver receiver = receiver(nodeA, runs, ConcurrentHashMap.newKeySet());
        DeliveryRequest delivery = delivery("during-outage");
        assertThat(receiver.receive(delivery("before-outage")).outcome()).isEqualTo(Outcome.PROCESSED);

        stopStore();
        DeliveryResult duringOutage;
        try {
            duringOutage = receiver.receive(delivery);
        } finally {
            startStore();
        }

        assertThat(duringOutage.outcome()).isEqualTo(Outcome.STORE_UNAVAILABLE);
        assertThat(duringOutage.status()).isEqualTo(503);
        assertThat(runs).doesNotContainKey(run + "during-outage");
        assertThat(receiver.receive(delivery).outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(receiver.receive(delivery).outcome()).isEqualTo(Outcome.DUPLICATE);
        assertThat(runs.get(run + "during-outage").get()).isEqualTo(1);
        assertThat(runs.get(run + "before-outage").get()).isEqualTo(1);
    }

    @Test
    void whileTheStoreIsDownEveryOperationFailsAsUnavailableAndNothingItHeldIsLost() {
        nodeA.claim(key("held"), "owner-1", LEASE);
        nodeA.claim(key("done"), "owner-1", LEASE);
        nodeA.complete(key("done"), "owner-1", RETENTION);

        stopStore();
        try {
            for (IdempotencyStore node : List.of(nodeA, nodeB)) {
                assertThatThrownBy(() -> node.claim(key("new"), "owner-2", LEASE))
                        .isInstanceOf(StoreUnavailableException.class);
                assertThatThrownBy(() -> node.complete(key("held"), "owner-1", RETENTION))
                        .isInstanceOf(StoreUnavailableException.class);
                assertThatThrownBy(() -> node.release(key("held"), "owner-1"))
                        .isInstanceOf(StoreUnavailableException.class);
            }
        } finally {
            startStore();
        }

        assertThat(nodeB.claim(key("held"), "owner-2", LEASE)).isEqualTo(ClaimResult.IN_PROGRESS);
        assertThat(nodeB.claim(key("done"), "owner-2", LEASE)).isEqualTo(ClaimResult.COMPLETED);
        assertThat(nodeB.claim(key("new"), "owner-2", LEASE)).isEqualTo(ClaimResult.CLAIMED);
        assertThat(nodeA.complete(key("held"), "owner-1", RETENTION)).isTrue();
    }

    private String key(String name) {
        return run + name;
    }

    // A receiver on `store` that counts each handler run by instance id and collects the keys it processed.
    private WebhookReceiver receiver(IdempotencyStore store, Map<String, AtomicInteger> runs, Set<String> keys) {
        return WebhookReceiver.builder()
                .signingKey("test", TestDeliveries.DEFAULT_API_KEY)
                .idempotencyStore(store)
                .lease(LEASE)
                .retention(RETENTION)
                .onAny((event, context) -> {
                    String key = context.idempotencyKey();
                    keys.add(key);
                    runs.computeIfAbsent(key.substring(key.lastIndexOf(':') + 1), k -> new AtomicInteger())
                            .incrementAndGet();
                })
                .build();
    }

    // The documented Workflow Errored sample as event `instance` of this test, signed with the default key.
    private DeliveryRequest delivery(String instance) {
        String sample = new String(SamplePayloads.of(EventType.WORKFLOW_ERRORED), StandardCharsets.UTF_8);
        byte[] body = sample.replace(SAMPLE_INSTANCE_ID, run + instance).getBytes(StandardCharsets.UTF_8);
        return TestDeliveries.withDefaultKey().of(body);
    }
}
