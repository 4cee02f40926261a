package ai.refold.webhooks.test;

import ai.refold.webhooks.idempotency.IdempotencyKeyExtractor;
import ai.refold.webhooks.idempotency.InboxEntry;
import ai.refold.webhooks.idempotency.InboxQuery;
import ai.refold.webhooks.idempotency.InboxState;
import ai.refold.webhooks.idempotency.InboxStats;
import ai.refold.webhooks.idempotency.InboxStore;
import ai.refold.webhooks.idempotency.StoreUnavailableException;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every {@link InboxStore} must do, as one JUnit 5 suite that any inbox store runs unchanged: a delivery offered
 * once and every later copy a duplicate, until its entry is done and its retention ran out, when a new delivery of its
 * key replaces it (purged or not, by one of two nodes offering it at once); due entries taken oldest first with a lease, never by two takers at once,
 * and taken again as a rerun, the lost attempt counted, once a lease runs out; done, retry, dead, give-up and release
 * only by the worker holding the entry (ownership, not the clock, decides); dead letters listed, replayed (their
 * progress kept) and discarded by query or by key; done entries purged after their retention; entries of one
 * ordering key taken one at a time, in the order they were received unless an earlier one arrives while a later one
 * is taken; counts and the oldest due time; bodies and headers kept byte for byte; and an outage in which every
 * operation fails as unavailable without losing or half-storing anything. The in-memory inbox, and the JDBC inbox on
 * H2 and on PostgreSQL, run it in this project's build.
 *
 * <p>To run it against your own store, extend it in your tests and answer four hooks:
 *
 * <ul>
 *   <li>{@link #newNode()}: a store instance as one application instance would hold it. Every node returned during
 *       one test must share one state, as two instances of a receiver share one database; a store that lives in
 *       one JVM returns the same instance each time. <strong>Each test expects that state to start empty</strong>
 *       (take, list, purge and stats see every entry), so use a fresh store per test or empty it in a
 *       {@code @BeforeEach}.</li>
 *   <li>{@link #advanceTime(Duration)}: make time pass for the due times, leases and retention the store holds, for
 *       example by moving the clock the store was built with, or by moving stored due times into the past. Receive
 *       times are the receiving instance's, not the store's, and stay as offered. Nothing sleeps.</li>
 *   <li>{@link #stopStore()} and {@link #startStore()}: make the store unreachable, then reachable again with
 *       everything it held; while it is down, every operation must throw {@link StoreUnavailableException}. A store
 *       with nothing to stop can be wrapped in a test {@link InboxStore} that throws while "down".</li>
 * </ul>
 *
 * <p>A test class per store, then: {@code class RedisInboxStoreTest extends InboxStoreContract}. JUnit creates one
 * instance of it per test, so instance fields (a clock, a store) start afresh each time. Time moves only through
 * {@link #advanceTime(Duration)}; a store whose clock also runs in real time (a database's) is safe, because every
 * due time, lease and retention the suite checks has at least five seconds to spare. Receive times are given to the
 * millisecond, and must come back exactly.
 *
 * <p>A store may keep a key it cannot hold character for character (one with a NUL or an unpaired surrogate, or
 * longer than {@value IdempotencyKeyExtractor#MAX_LENGTH} characters) in another form, as the JDBC store keeps a
 * hash of it; the entries it returns then carry that form, which must name the same entry in every operation.
 */
public abstract class InboxStoreContract {

    /** The lease every take of the suite asks for. */
    protected static final Duration LEASE = Duration.ofSeconds(30);
    /** The retention every done entry of the suite is kept for, unless a test says otherwise. */
    protected static final Duration RETENTION = Duration.ofDays(7);

    // What each due time the suite checks has to spare on either side, so that real time passing cannot decide it.
    private static final Duration MARGIN = Duration.ofSeconds(5);
    private static final Duration DELAY = Duration.ofMinutes(1);
    private static final Instant RECEIVED = Instant.parse("2026-11-01T09:30:00.123Z");
    private static final String ERRORED = "Workflow Errored";
    private static final Map<String, List<String>> HEADERS = Map.of("content-type", List.of("application/json"),
            "x-refold-subscription", List.of("export-runs"));
    private static final int RACE_ROUNDS = 100;

    // Keys of this test alone, so that a failure names them and a shared database never mixes two runs up.
    private final String run = "inbox-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + "-";

    private InboxStore nodeA;
    private InboxStore nodeB;

    /** Creates the suite; JUnit creates one instance of the subclass per test. */
    public InboxStoreContract() {
    }

    /**
     * {@return a new node: a store that shares its state with every other node returned during the current test} The
     * suite asks for two before each test.
     */
    protected abstract InboxStore newNode();

    /**
     * Makes {@code duration} pass for every due time, lease and retention the store holds, as if its clock moved.
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

    // --- offer ---

    @Test
    void anOfferedDeliveryIsStoredOnceAndEveryLaterCopyOnAnyNodeIsADuplicate() {
        assertThat(nodeA.offer(received("k"))).isTrue();

        assertThat(nodeB.offer(received("k"))).isFalse();
        assertThat(nodeA.offer(received("k", RECEIVED.plusSeconds(60), Optional.empty(), body("another copy"))))
                .isFalse();
        assertThat(nodeB.find(key("k")).orElseThrow().body()).isEqualTo(body("k"));
        assertThat(nodeB.offer(received("other"))).isTrue();
    }

    @Test
    void anOfferedDeliveryIsPendingAndDueAtOnceWithNoAttemptNoProgressAndNoError() {
        InboxEntry offered = received("k");
        nodeA.offer(offered);

        InboxEntry stored = nodeB.find(key("k")).orElseThrow();

        assertThat(stored.key()).isEqualTo(key("k"));
        assertThat(stored.eventType()).contains(ERRORED);
        assertThat(stored.keyLabel()).isEqualTo("live");
        assertThat(stored.headers()).isEqualTo(HEADERS);
        assertThat(stored.body()).isEqualTo(body("k"));
        assertThat(stored.receivedAt()).isEqualTo(RECEIVED);
        assertThat(stored.state()).isEqualTo(InboxState.PENDING);
        assertThat(stored.attempts()).isZero();
        assertThat(stored.doneHandlers()).isEmpty();
        assertThat(stored.lastError()).isEmpty();
        assertThat(stored.rerun()).isFalse();
        assertThat(nodeB.take("owner-1", 1, LEASE)).extracting(InboxEntry::key).containsExactly(key("k"));
    }

    @Test
    void aKeyStaysADuplicateWhileItsEntryIsTakenDoneOrDead() {
        held("taken", "owner-1");
        held("done", "owner-1");
        nodeA.done(key("done"), "owner-1", RETENTION);
        held("dead", "owner-1");
        nodeA.dead(key("dead"), "owner-1", Set.of(), "IllegalStateException: down");
        advanceTime(RETENTION.minus(MARGIN));

        for (String name : List.of("taken", "done", "dead")) {
            assertThat(nodeB.offer(received(name))).as(name).isFalse();
        }
    }

    @Test
    void twoNodesOfferingOneKeyAtTheSameTimeStoreItOnce() throws Exception {
        CyclicBarrier barrier = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < RACE_ROUNDS; round++) {
                String name = "offered-" + round;
                Future<Boolean> a = pool.submit(() -> atBarrier(barrier,
                        () -> nodeA.offer(received(name, RECEIVED, Optional.of(ERRORED), body("a")))));
                Future<Boolean> b = pool.submit(() -> atBarrier(barrier,
                        () -> nodeB.offer(received(name, RECEIVED, Optional.of(ERRORED), body("b")))));
                boolean aStored = a.get(30, TimeUnit.SECONDS);
                boolean bStored = b.get(30, TimeUnit.SECONDS);

                assertThat(aStored ^ bStored).as("round %d: exactly one offer stores", round).isTrue();
                assertThat(nodeA.find(key(name)).orElseThrow().body()).isEqualTo(body(aStored ? "a" : "b"));
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(nodeA.stats().count(InboxState.PENDING)).isEqualTo(RACE_ROUNDS);
    }

    // --- offer taken: a delivery stored already taken by a worker of the instance that received it ---

    @Test
    void aDeliveryOfferedTakenIsHeldByItsOwnerAsIfOfferedAndTakenAtOnce() {
        if (!nodeA.storesTaken()) {
            assertThatThrownBy(() -> nodeA.offerTaken(received("k"), "owner-1", LEASE))
                    .isInstanceOf(UnsupportedOperationException.class);
            return;
        }
        assertThat(nodeA.offerTaken(received("k"), "owner-1", LEASE)).isTrue();

        InboxEntry stored = nodeB.find(key("k")).orElseThrow();
        assertThat(stored.state()).isEqualTo(InboxState.PROCESSING);
        assertThat(stored.body()).isEqualTo(body("k"));
        assertThat(stored.headers()).isEqualTo(HEADERS);
        assertThat(stored.receivedAt()).isEqualTo(RECEIVED);
        assertThat(stored.attempts()).isZero();
        assertThat(stored.rerun()).isFalse();
        assertThat(nodeB.take("owner-2", 1, LEASE)).as("held by its owner").isEmpty();
        assertThat(nodeB.done(key("k"), "owner-2", RETENTION)).as("ended only by its owner").isFalse();
        assertThat(nodeB.renew(key("k"), "owner-1", LEASE)).isTrue();
        assertThat(nodeA.done(key("k"), "owner-1", RETENTION)).isTrue();
        assertThat(nodeB.find(key("k")).orElseThrow().state()).isEqualTo(InboxState.DONE);
    }

    @Test
    void aDeliveryOfferedTakenIsADuplicateOfAnyEntryWithItsKeyAndLeavesThatEntryAlone() {
        if (!nodeA.storesTaken()) {
            return;
        }
        held("taken", "owner-1");
        held("done", "owner-1");
        nodeA.done(key("done"), "owner-1", RETENTION);
        nodeA.offerTaken(received("offered-taken"), "owner-1", LEASE);
        nodeA.offer(received("pending"));

        for (String name : List.of("pending", "taken", "done", "offered-taken")) {
            InboxEntry before = nodeA.find(key(name)).orElseThrow();
            assertThat(nodeB.offerTaken(received(name), "owner-2", LEASE)).as(name).isFalse();
            assertThat(nodeB.offer(received(name))).as(name).isFalse();
            assertThat(nodeA.find(key(name)).orElseThrow()).as(name).isEqualTo(before);
        }
        assertThat(nodeB.done(key("pending"), "owner-2", RETENTION)).as("not taken by a refused offer").isFalse();
    }

    @Test
    void aDeliveryOfferedTakenWhoseOwnerDiedIsTakenAgainAsARerunOnceItsLeaseRunsOut() {
        if (!nodeA.storesTaken()) {
            return;
        }
        nodeA.offerTaken(received("k"), "crashes", LEASE);

        advanceTime(LEASE.minus(MARGIN));
        assertThat(nodeB.take("owner-2", 1, LEASE)).isEmpty();
        advanceTime(MARGIN.multipliedBy(2));
        List<InboxEntry> retaken = nodeB.take("owner-2", 1, LEASE);

        assertThat(retaken).extracting(InboxEntry::key).containsExactly(key("k"));
        assertThat(retaken.get(0).rerun()).as("its owner may have run the handlers").isTrue();
        assertThat(retaken.get(0).attempts()).as("the attempt lost with its owner").isEqualTo(1);
        assertThat(retaken.get(0).body()).isEqualTo(body("k"));
        assertThat(nodeA.done(key("k"), "crashes", RETENTION)).as("the dead owner ends nothing").isFalse();
        assertThat(nodeB.done(key("k"), "owner-2", RETENTION)).isTrue();
    }

    // --- take ---

    @Test
    void takeReturnsDueEntriesOldestDueFirstAtMostMaxAndMarksThemProcessing() {
        // Received in the reverse order: what decides is when each became due.
        nodeA.offer(received("first", RECEIVED.plusSeconds(2), Optional.of(ERRORED), body("first")));
        advanceTime(Duration.ofSeconds(1));
        nodeB.offer(received("second", RECEIVED.plusSeconds(1), Optional.of(ERRORED), body("second")));
        advanceTime(Duration.ofSeconds(1));
        nodeA.offer(received("third", RECEIVED, Optional.of(ERRORED), body("third")));

        List<InboxEntry> taken = nodeB.take("owner-1", 2, LEASE);

        assertThat(taken).extracting(InboxEntry::key).containsExactly(key("first"), key("second"));
        assertThat(taken).allSatisfy(entry -> {
            assertThat(entry.state()).isEqualTo(InboxState.PROCESSING);
            assertThat(entry.attempts()).isZero();
            assertThat(entry.rerun()).isFalse();
        });
        assertThat(taken.get(0).body()).isEqualTo(body("first"));
        assertThat(nodeA.find(key("second")).orElseThrow().state()).isEqualTo(InboxState.PROCESSING);
        assertThat(nodeA.take("owner-2", 5, LEASE)).extracting(InboxEntry::key).containsExactly(key("third"));
        assertThat(nodeA.take("owner-3", 5, LEASE)).isEmpty();
    }

    @Test
    void aTakenEntryIsHeldUntilTheLeaseMeasuredFromTheTake() {
        nodeA.offer(received("k"));
        Instant due = nodeA.find(key("k")).orElseThrow().nextAttemptAt();

        InboxEntry taken = nodeA.take("owner-1", 1, LEASE).get(0);

        assertAbout(taken.nextAttemptAt(), due.plus(LEASE));
        assertThat(nodeB.find(key("k")).orElseThrow().nextAttemptAt()).isEqualTo(taken.nextAttemptAt());
    }

    @Test
    void anEntryWhoseLeaseRanOutIsTakenAgainAsARerunWithItsProgressAndTheLostAttemptCounted() {
        held("k", "owner-1");
        nodeA.retry(key("k"), "owner-1", Duration.ZERO, Set.of("alerts"), "IllegalStateException: down");
        nodeA.take("crashes", 1, LEASE);

        advanceTime(LEASE.minus(MARGIN));
        assertThat(nodeB.take("owner-2", 1, LEASE)).isEmpty();

        advanceTime(MARGIN.multipliedBy(2));
        List<InboxEntry> retaken = nodeB.take("owner-2", 1, LEASE);
        assertThat(retaken).hasSize(1);
        assertThat(retaken.get(0).rerun()).isTrue();
        assertThat(retaken.get(0).state()).isEqualTo(InboxState.PROCESSING);
        assertThat(retaken.get(0).attempts()).as("the failed attempt, and the one lost with its worker").isEqualTo(2);
        assertThat(retaken.get(0).doneHandlers()).containsExactly("alerts");
        assertThat(nodeA.find(key("k")).orElseThrow().rerun()).isTrue();
        assertThat(nodeA.take("owner-3", 1, LEASE)).isEmpty();
    }

    @Test
    void everyTakeOfAnEntryWhoseLeaseRanOutCountsTheAttemptItsWorkerLostAndNoOtherTakeCountsOne() {
        // A delivery that takes down each instance that runs it (out of memory, a native crash, a liveness kill)
        // spends its attempts like one that fails, so that a worker can make it dead once they are spent.
        held("k", "killed-1");
        for (int killed = 2; killed <= 4; killed++) {
            advanceTime(LEASE.plus(MARGIN));
            assertThat(nodeB.take("killed-" + killed, 1, LEASE)).extracting(InboxEntry::attempts).as("take %d", killed)
                    .containsExactly(killed - 1);
        }
        advanceTime(LEASE.plus(MARGIN));
        assertThat(nodeA.take("owner-5", 1, LEASE)).extracting(InboxEntry::attempts).containsExactly(4);

        // The attempt that records its outcome is counted once, by that record, whatever its lease did.
        advanceTime(LEASE.plus(MARGIN));
        assertThat(nodeA.retry(key("k"), "owner-5", Duration.ZERO, Set.of(), "error")).isTrue();
        assertThat(nodeB.find(key("k")).orElseThrow().attempts()).isEqualTo(5);
        assertThat(nodeB.take("owner-6", 1, LEASE)).extracting(InboxEntry::attempts).containsExactly(5);
        assertThat(nodeB.release(key("k"), "owner-6")).isTrue();
        assertThat(nodeA.take("owner-7", 1, LEASE)).extracting(InboxEntry::attempts).containsExactly(5);
        advanceTime(LEASE.minus(MARGIN));
        assertThat(nodeA.renew(key("k"), "owner-7", LEASE)).isTrue();
        advanceTime(MARGIN.multipliedBy(2));
        assertThat(nodeB.take("owner-8", 1, LEASE)).as("renewed in time: not lost").isEmpty();
        assertThat(nodeB.find(key("k")).orElseThrow().attempts()).isEqualTo(5);
    }

    @Test
    void twoNodesTakingAtTheSameTimeNeverGetTheSameEntry() throws Exception {
        CyclicBarrier barrier = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < RACE_ROUNDS; round++) {
                List<String> keys = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    nodeA.offer(received("race-" + round + "-" + i));
                    keys.add(key("race-" + round + "-" + i));
                }
                boolean takeOver = round % 2 == 1;
                if (takeOver) {
                    // every other round races to take over entries whose worker crashed
                    assertThat(nodeA.take("crashed", 3, LEASE)).hasSize(3);
                    advanceTime(LEASE.plus(MARGIN));
                }
                String ownerA = "a-" + round;
                String ownerB = "b-" + round;
                Future<List<InboxEntry>> a = pool.submit(() -> atBarrier(barrier,
                        () -> nodeA.take(ownerA, 2, LEASE)));
                Future<List<InboxEntry>> b = pool.submit(() -> atBarrier(barrier,
                        () -> nodeB.take(ownerB, 2, LEASE)));
                Map<String, String> owners = new LinkedHashMap<>();
                List<InboxEntry> all = new ArrayList<>();
                for (Map.Entry<String, List<InboxEntry>> taken : Map.of(ownerA, a.get(30, TimeUnit.SECONDS),
                        ownerB, b.get(30, TimeUnit.SECONDS)).entrySet()) {
                    taken.getValue().forEach(entry -> owners.put(entry.key(), taken.getKey()));
                    all.addAll(taken.getValue());
                }
                String drainer = "drain-" + round;
                List<InboxEntry> left = nodeB.take(drainer, 10, LEASE);
                left.forEach(entry -> owners.put(entry.key(), drainer));
                all.addAll(left);

                assertThat(all).as("round %d", round).extracting(InboxEntry::key)
                        .containsExactlyInAnyOrderElementsOf(keys);
                assertThat(all).as("round %d", round)
                        .allSatisfy(entry -> assertThat(entry.rerun()).isEqualTo(takeOver));
                owners.forEach((key, owner) -> assertThat(nodeA.done(key, owner, RETENTION)).isTrue());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void takeRefusesAMaximumBelowOne() {
        assertThatThrownBy(() -> nodeA.take("owner-1", 0, LEASE)).isInstanceOf(IllegalArgumentException.class);
    }

    // --- renew ---

    @Test
    void aRenewedLeaseHoldsForAnotherLeaseFromTheRenewal() {
        held("k", "owner-1");
        advanceTime(LEASE.minus(MARGIN));

        assertThat(nodeA.renew(key("k"), "owner-1", LEASE)).isTrue();
        advanceTime(LEASE.minus(MARGIN));
        assertThat(nodeB.take("owner-2", 1, LEASE)).isEmpty();
        assertThat(nodeB.renew(key("k"), "owner-2", LEASE)).isFalse();

        advanceTime(MARGIN.multipliedBy(2));
        assertThat(nodeB.take("owner-2", 1, LEASE)).extracting(InboxEntry::rerun).containsExactly(true);
    }

    // --- ownership ---

    @Test
    void onlyTheHolderRenewsOrEndsATakenEntry() {
        held("k", "owner-1");

        assertThat(nodeB.renew(key("k"), "owner-2", LEASE)).isFalse();
        assertThat(nodeB.done(key("k"), "owner-2", RETENTION)).isFalse();
        assertThat(nodeB.retry(key("k"), "owner-2", DELAY, Set.of("alerts"), "error")).isFalse();
        assertThat(nodeB.dead(key("k"), "owner-2", Set.of("alerts"), "error")).isFalse();
        assertThat(nodeB.release(key("k"), "owner-2")).isFalse();

        InboxEntry untouched = nodeB.find(key("k")).orElseThrow();
        assertThat(untouched.state()).isEqualTo(InboxState.PROCESSING);
        assertThat(untouched.attempts()).isZero();
        assertThat(untouched.doneHandlers()).isEmpty();
        assertThat(untouched.lastError()).isEmpty();
        assertThat(nodeA.done(key("k"), "owner-1", RETENTION)).isTrue();
    }

    @Test
    void ownershipNotTheClockDecidesTheHolderRenewsOrEndsAnEntryWhoseLeaseRanOutIfNobodyTookItOver() {
        List<String> names = List.of("renewed", "done", "retried", "dead", "released");
        for (String name : names) {
            held(name, "owner-" + name);
        }
        advanceTime(LEASE.plus(MARGIN));

        assertThat(nodeA.renew(key("renewed"), "owner-renewed", LEASE)).isTrue();
        assertThat(nodeA.done(key("done"), "owner-done", RETENTION)).isTrue();
        assertThat(nodeA.retry(key("retried"), "owner-retried", DELAY, Set.of(), "error")).isTrue();
        assertThat(nodeA.dead(key("dead"), "owner-dead", Set.of(), "error")).isTrue();
        assertThat(nodeA.release(key("released"), "owner-released")).isTrue();

        assertThat(nodeB.find(key("done")).orElseThrow().state()).isEqualTo(InboxState.DONE);
        assertThat(nodeB.find(key("retried")).orElseThrow().state()).isEqualTo(InboxState.PENDING);
        assertThat(nodeB.find(key("dead")).orElseThrow().state()).isEqualTo(InboxState.DEAD);
        for (String ended : List.of("retried", "dead")) {
            assertThat(nodeB.find(key(ended)).orElseThrow().attempts()).as("%s: counted once", ended).isEqualTo(1);
        }
        assertThat(nodeB.take("owner-2", 5, LEASE)).extracting(InboxEntry::key).containsExactly(key("released"));
    }

    @Test
    void anEntryTakenOverAfterItsLeaseRanOutCanNoLongerBeRenewedOrEndedByItsFormerHolder() {
        held("k", "slow-owner");
        advanceTime(LEASE.plus(MARGIN));
        assertThat(nodeB.take("new-owner", 1, LEASE)).hasSize(1);

        assertThat(nodeA.renew(key("k"), "slow-owner", LEASE)).isFalse();
        assertThat(nodeA.done(key("k"), "slow-owner", RETENTION)).isFalse();
        assertThat(nodeA.retry(key("k"), "slow-owner", DELAY, Set.of(), "error")).isFalse();
        assertThat(nodeA.dead(key("k"), "slow-owner", Set.of(), "error")).isFalse();
        assertThat(nodeA.giveUp(key("k"), "slow-owner", Set.of(), "error")).isFalse();
        assertThat(nodeA.release(key("k"), "slow-owner")).isFalse();

        assertThat(nodeB.find(key("k")).orElseThrow().state()).isEqualTo(InboxState.PROCESSING);
        assertThat(nodeB.done(key("k"), "new-owner", RETENTION)).isTrue();
    }

    @Test
    void anEntryNobodyHoldsCanNeitherBeRenewedNorEnded() {
        held("done", "owner-1");
        nodeA.done(key("done"), "owner-1", RETENTION);
        held("dead", "owner-1");
        nodeA.dead(key("dead"), "owner-1", Set.of(), "error");
        held("retried", "owner-1");
        nodeA.retry(key("retried"), "owner-1", DELAY, Set.of(), "error");
        held("released", "owner-1");
        nodeA.release(key("released"), "owner-1");
        nodeA.offer(received("pending"));

        for (String name : List.of("done", "dead", "retried", "released", "pending", "never-offered")) {
            String key = key(name);
            assertThat(nodeB.renew(key, "owner-1", LEASE)).as(name).isFalse();
            assertThat(nodeB.done(key, "owner-1", RETENTION)).as(name).isFalse();
            assertThat(nodeB.retry(key, "owner-1", DELAY, Set.of(), "error")).as(name).isFalse();
            assertThat(nodeB.dead(key, "owner-1", Set.of(), "error")).as(name).isFalse();
            assertThat(nodeB.giveUp(key, "owner-1", Set.of(), "error")).as(name).isFalse();
            assertThat(nodeB.release(key, "owner-1")).as(name).isFalse();
        }
        assertThat(nodeB.find(key("never-offered"))).isEmpty();
        assertThat(nodeB.find(key("done")).orElseThrow().state()).isEqualTo(InboxState.DONE);
        assertThat(nodeB.find(key("dead")).orElseThrow().state()).isEqualTo(InboxState.DEAD);
        assertThat(nodeB.find(key("pending")).orElseThrow().attempts()).isZero();
    }

    // --- done, retry, dead, release ---

    @Test
    void aDoneEntryIsNeverTakenAgainKeepsItsAttemptsAndForgetsItsProgress() {
        held("k", "owner-1");
        nodeA.retry(key("k"), "owner-1", Duration.ZERO, Set.of("alerts"), "IllegalStateException: down");
        nodeA.take("owner-2", 1, LEASE);

        assertThat(nodeA.done(key("k"), "owner-2", RETENTION)).isTrue();

        InboxEntry done = nodeB.find(key("k")).orElseThrow();
        assertThat(done.state()).isEqualTo(InboxState.DONE);
        assertThat(done.attempts()).isEqualTo(1);
        assertThat(done.doneHandlers()).isEmpty();
        assertThat(done.rerun()).isFalse();
        advanceTime(LEASE.plus(MARGIN));
        assertThat(nodeB.take("owner-3", 1, LEASE)).isEmpty();
        assertThat(nodeB.done(key("k"), "owner-2", RETENTION)).isFalse();
    }

    @Test
    void aRetryCountsAnAttemptKeepsTheHandlersThatSucceededAndTheErrorAndIsDueAfterItsDelay() {
        held("k", "owner-1");

        assertThat(nodeA.retry(key("k"), "owner-1", DELAY, Set.of("alerts", "Audit.record"),
                "IllegalStateException: downstream is down")).isTrue();

        InboxEntry retried = nodeB.find(key("k")).orElseThrow();
        assertThat(retried.state()).isEqualTo(InboxState.PENDING);
        assertThat(retried.attempts()).isEqualTo(1);
        assertThat(retried.doneHandlers()).containsExactlyInAnyOrder("alerts", "Audit.record");
        assertThat(retried.lastError()).contains("IllegalStateException: downstream is down");
        assertThat(retried.rerun()).isFalse();
        assertThat(nodeB.take("owner-2", 1, LEASE)).isEmpty();

        advanceTime(DELAY.minus(MARGIN));
        assertThat(nodeB.take("owner-2", 1, LEASE)).isEmpty();

        advanceTime(MARGIN.multipliedBy(2));
        InboxEntry again = nodeB.take("owner-2", 1, LEASE).get(0);
        assertThat(again.rerun()).isFalse();
        assertThat(again.attempts()).isEqualTo(1);
        assertThat(again.doneHandlers()).containsExactlyInAnyOrder("alerts", "Audit.record");
        assertThat(again.lastError()).contains("IllegalStateException: downstream is down");

        assertThat(nodeB.retry(key("k"), "owner-2", DELAY, Set.of("alerts", "Audit.record", "Mail.send"),
                "TimeoutException: mail")).isTrue();
        InboxEntry twice = nodeA.find(key("k")).orElseThrow();
        assertThat(twice.attempts()).isEqualTo(2);
        assertThat(twice.doneHandlers()).containsExactlyInAnyOrder("alerts", "Audit.record", "Mail.send");
        assertThat(twice.lastError()).contains("TimeoutException: mail");
    }

    @Test
    void aRetryIsDueAfterItsDelayMeasuredFromTheRetry() {
        held("k", "owner-1");
        advanceTime(LEASE.minus(MARGIN));
        InboxEntry before = nodeA.find(key("k")).orElseThrow();

        nodeA.retry(key("k"), "owner-1", DELAY, Set.of(), "error");

        // The retry came MARGIN before the lease would have run out, and is due DELAY after it.
        assertAbout(nodeB.find(key("k")).orElseThrow().nextAttemptAt(), before.nextAttemptAt().minus(MARGIN)
                .plus(DELAY));
    }

    @Test
    void aRetryWithoutADelayIsDueAtOnce() {
        // full jitter draws a zero delay now and then
        held("k", "owner-1");

        assertThat(nodeA.retry(key("k"), "owner-1", Duration.ZERO, Set.of(), "error")).isTrue();

        assertThat(nodeB.take("owner-2", 1, LEASE)).extracting(InboxEntry::key).containsExactly(key("k"));
    }

    @Test
    void aDeadEntryCountsAnAttemptKeepsItsProgressAndErrorAndIsNeverTakenAgain() {
        held("k", "owner-1");
        nodeA.retry(key("k"), "owner-1", Duration.ZERO, Set.of(), "first failure");
        nodeA.take("owner-2", 1, LEASE);

        assertThat(nodeA.dead(key("k"), "owner-2", Set.of("alerts"), "IllegalStateException: still down")).isTrue();

        InboxEntry dead = nodeB.find(key("k")).orElseThrow();
        assertThat(dead.state()).isEqualTo(InboxState.DEAD);
        assertThat(dead.attempts()).isEqualTo(2);
        assertThat(dead.doneHandlers()).containsExactly("alerts");
        assertThat(dead.lastError()).contains("IllegalStateException: still down");
        assertThat(dead.rerun()).isFalse();
        advanceTime(RETENTION.plus(MARGIN));
        assertThat(nodeB.take("owner-3", 1, LEASE)).isEmpty();
        assertThat(nodeB.purge(10)).isZero();
        assertThat(nodeB.find(key("k"))).isPresent();
    }

    @Test
    void anEntryGivenUpIsDeadWithoutAnAttemptCountedAndKeepsItsProgressAndRerunAndIsNeverTakenAgain() {
        // Taken with no attempt left, the last lost with its worker: dead at the attempts the worker was allowed.
        held("k", "killed");
        advanceTime(LEASE.plus(MARGIN));
        int attempts = nodeB.take("owner-2", 1, LEASE).get(0).attempts();

        assertThat(nodeB.giveUp(key("k"), "owner-2", Set.of("alerts"), "no attempt left")).isTrue();
        assertThat(nodeB.giveUp(key("k"), "owner-2", Set.of("alerts"), "no attempt left")).isFalse();

        InboxEntry dead = nodeA.find(key("k")).orElseThrow();
        assertThat(dead.state()).isEqualTo(InboxState.DEAD);
        assertThat(dead.attempts()).as("as taken").isEqualTo(attempts);
        assertThat(dead.doneHandlers()).containsExactly("alerts");
        assertThat(dead.lastError()).contains("no attempt left");
        assertThat(dead.rerun()).isTrue();
        advanceTime(LEASE.plus(MARGIN));
        assertThat(nodeA.take("owner-3", 1, LEASE)).isEmpty();
        assertThat(keys(nodeA.list(InboxQuery.deadLetters()))).containsExactly("k");
    }

    @Test
    void aReleasedEntryIsDueAtOnceWithoutAnAttemptCountedAndKeepsItsProgress() {
        held("k", "owner-1");
        nodeA.retry(key("k"), "owner-1", Duration.ZERO, Set.of("alerts"), "first failure");
        nodeA.take("owner-2", 1, LEASE);

        assertThat(nodeA.release(key("k"), "owner-2")).isTrue();
        assertThat(nodeA.release(key("k"), "owner-2")).isFalse();

        InboxEntry released = nodeB.find(key("k")).orElseThrow();
        assertThat(released.state()).isEqualTo(InboxState.PENDING);
        assertThat(released.attempts()).isEqualTo(1);
        assertThat(released.doneHandlers()).containsExactly("alerts");
        assertThat(released.lastError()).contains("first failure");
        List<InboxEntry> again = nodeB.take("owner-3", 1, LEASE);
        assertThat(again).extracting(InboxEntry::key).containsExactly(key("k"));
        assertThat(again.get(0).rerun()).isFalse();
    }

    @Test
    void aRerunStaysARerunThroughItsRetriesAndReleasesUntilItsEntryIsDone() {
        // The crashed worker may have run the handlers in full, whatever the attempts after it did.
        held("retried", "crashes");
        advanceTime(LEASE.plus(MARGIN));
        nodeB.take("owner-2", 1, LEASE);

        nodeB.retry(key("retried"), "owner-2", Duration.ZERO, Set.of(), "error");

        assertThat(nodeA.find(key("retried")).orElseThrow().rerun()).isTrue();
        assertThat(nodeA.take("owner-3", 1, LEASE)).extracting(InboxEntry::rerun).containsExactly(true);
        nodeA.release(key("retried"), "owner-3");
        assertThat(nodeB.take("owner-4", 1, LEASE)).extracting(InboxEntry::rerun).containsExactly(true);
        nodeB.done(key("retried"), "owner-4", RETENTION);
        assertThat(nodeA.find(key("retried")).orElseThrow().rerun()).isFalse();
    }

    @Test
    void aRerunThatIsDeadStaysARerunWithItsProgress() {
        // A replay of it must not tell a handler the crashed worker may have run that no attempt ran it.
        deadAfterACrash("dies");

        InboxEntry dead = nodeA.find(key("dies")).orElseThrow();
        assertThat(dead.state()).isEqualTo(InboxState.DEAD);
        assertThat(dead.rerun()).isTrue();
        assertThat(dead.doneHandlers()).containsExactly("alerts");
    }

    // --- find and list ---

    @Test
    void findReturnsNothingForAKeyNeverOffered() {
        assertThat(nodeA.find(key("never-offered"))).isEmpty();
    }

    @Test
    void listReturnsTheEntriesInTheQuerysStatesOldestReceivedFirstUpToItsLimit() {
        heldAt("taken", RECEIVED.plusSeconds(5));
        heldAt("done", RECEIVED.plusSeconds(1));
        nodeA.done(key("done"), "owner-1", RETENTION);
        heldAt("dead", RECEIVED.plusSeconds(4));
        nodeA.dead(key("dead"), "owner-1", Set.of(), "error");
        offerAt("late", RECEIVED.plusSeconds(3), Optional.of(ERRORED));
        offerAt("early", RECEIVED, Optional.of(ERRORED));

        assertThat(keys(nodeB.list(InboxQuery.in(InboxState.PENDING)))).containsExactly("early", "late");
        assertThat(keys(nodeB.list(InboxQuery.in(InboxState.PENDING).withLimit(1)))).containsExactly("early");
        assertThat(keys(nodeB.list(InboxQuery.in(InboxState.PROCESSING)))).containsExactly("taken");
        assertThat(keys(nodeB.list(InboxQuery.in(InboxState.DONE)))).containsExactly("done");
        assertThat(keys(nodeB.list(InboxQuery.deadLetters()))).containsExactly("dead");
        assertThat(keys(nodeB.list(InboxQuery.in(InboxState.PENDING, InboxState.PROCESSING, InboxState.DONE,
                InboxState.DEAD)))).containsExactly("early", "done", "late", "dead", "taken");
        assertThat(keys(nodeB.list(InboxQuery.in(InboxState.DEAD, InboxState.DONE).withLimit(1))))
                .containsExactly("done");
        InboxEntry listed = nodeB.list(InboxQuery.deadLetters()).get(0);
        assertThat(listed).isEqualTo(nodeA.find(key("dead")).orElseThrow());
        assertThat(listed.body()).isEqualTo(body("dead"));
    }

    @Test
    void listMatchesAnEventTypeAndUnknownMatchesEntriesThatNamedNone() {
        offerAt("errored", RECEIVED, Optional.of(ERRORED));
        offerAt("created", RECEIVED.plusSeconds(1), Optional.of("Connection Created"));
        offerAt("untyped", RECEIVED.plusSeconds(2), Optional.empty());
        offerAt("errored-again", RECEIVED.plusSeconds(3), Optional.of(ERRORED));
        InboxQuery pending = InboxQuery.in(InboxState.PENDING);

        assertThat(keys(nodeB.list(pending.withEventType(ERRORED)))).containsExactly("errored", "errored-again");
        assertThat(keys(nodeB.list(pending.withEventType("Connection Created")))).containsExactly("created");
        assertThat(keys(nodeB.list(pending.withEventType("unknown")))).containsExactly("untyped");
        assertThat(nodeB.list(pending.withEventType("Connection Expired"))).isEmpty();
        assertThat(keys(nodeB.list(pending.withEventType(ERRORED).withLimit(1)))).containsExactly("errored");
        assertThat(nodeB.find(key("untyped")).orElseThrow().eventType()).isEmpty();
    }

    @Test
    void listMatchesAReceiveTimeFromInclusiveUntilExclusive() {
        offerAt("before", RECEIVED.minusMillis(1), Optional.of(ERRORED));
        offerAt("from", RECEIVED, Optional.empty());
        offerAt("within", RECEIVED.plusSeconds(30), Optional.of(ERRORED));
        offerAt("until", RECEIVED.plusSeconds(60), Optional.of(ERRORED));
        InboxQuery pending = InboxQuery.in(InboxState.PENDING);

        assertThat(keys(nodeB.list(pending.withReceivedBetween(RECEIVED, RECEIVED.plusSeconds(60)))))
                .containsExactly("from", "within");
        assertThat(keys(nodeB.list(pending.withReceivedBetween(RECEIVED, RECEIVED.plusSeconds(60))
                .withEventType(ERRORED)))).containsExactly("within");
        assertThat(keys(nodeB.list(pending.withReceivedBetween(RECEIVED, RECEIVED.plusSeconds(60))
                .withEventType("unknown").withLimit(5)))).containsExactly("from");
        assertThat(nodeB.list(pending.withReceivedBetween(RECEIVED.plusSeconds(61), RECEIVED.plusSeconds(90))))
                .isEmpty();
    }

    // --- replay and discard ---

    @Test
    void replayMakesOnlyDeadEntriesPendingAndDueAtOnceWithNoAttemptCountedAndKeepsTheirProgressAndError() {
        heldAt("dead", RECEIVED);
        nodeA.retry(key("dead"), "owner-1", Duration.ZERO, Set.of(), "first failure");
        nodeA.take("owner-2", 1, LEASE);
        nodeA.dead(key("dead"), "owner-2", Set.of("alerts"), "second failure");
        heldAt("done", RECEIVED);
        nodeA.done(key("done"), "owner-1", RETENTION);
        heldAt("taken", RECEIVED);
        heldAt("retried", RECEIVED);
        nodeA.retry(key("retried"), "owner-1", DELAY, Set.of("alerts"), "error");

        int replayed = nodeB.replay(InboxQuery.in(InboxState.PENDING, InboxState.PROCESSING, InboxState.DONE,
                InboxState.DEAD));

        assertThat(replayed).isEqualTo(1);
        InboxEntry entry = nodeA.find(key("dead")).orElseThrow();
        assertThat(entry.state()).isEqualTo(InboxState.PENDING);
        assertThat(entry.attempts()).isZero();
        assertThat(entry.doneHandlers()).as("a replay runs only the handlers not yet done").containsExactly("alerts");
        assertThat(entry.lastError()).contains("second failure");
        assertThat(entry.rerun()).isFalse();
        assertThat(nodeA.find(key("done")).orElseThrow().state()).isEqualTo(InboxState.DONE);
        assertThat(nodeA.find(key("taken")).orElseThrow().state()).isEqualTo(InboxState.PROCESSING);
        assertThat(nodeA.find(key("retried")).orElseThrow().attempts()).isEqualTo(1);
        List<InboxEntry> again = nodeA.take("owner-3", 5, LEASE);
        assertThat(again).extracting(InboxEntry::key).containsExactly(key("dead"));
        assertThat(again.get(0).rerun()).isFalse();
        assertThat(again.get(0).doneHandlers()).containsExactly("alerts");
        assertThat(nodeB.replay(InboxQuery.deadLetters())).isZero();
    }

    @Test
    void aReplayedRerunIsTakenAsARerunWithItsProgress() {
        // The worker that crashed may have run the handlers not yet done in full: the replay's attempt says so.
        deadAfterACrash("dies");

        assertThat(nodeA.replay(InboxQuery.deadLetters().withKey(key("dies")))).isEqualTo(1);

        assertThat(nodeB.find(key("dies")).orElseThrow().rerun()).isTrue();
        List<InboxEntry> again = nodeB.take("owner-3", 1, LEASE);
        assertThat(again).extracting(InboxEntry::key).containsExactly(key("dies"));
        assertThat(again.get(0).rerun()).isTrue();
        assertThat(again.get(0).doneHandlers()).containsExactly("alerts");
        assertThat(nodeB.done(key("dies"), "owner-3", RETENTION)).isTrue();
        assertThat(nodeA.find(key("dies")).orElseThrow().rerun()).isFalse();
    }

    @Test
    void replayAndDiscardActOnlyOnTheDeadEntriesTheQueryMatchesUpToItsLimit() {
        deadAt("errored", RECEIVED, Optional.of(ERRORED));
        deadAt("untyped", RECEIVED.plusSeconds(1), Optional.empty());
        deadAt("errored-later", RECEIVED.plusSeconds(2), Optional.of(ERRORED));
        deadAt("created", RECEIVED.plusSeconds(3), Optional.of("Connection Created"));
        deadAt("errored-latest", RECEIVED.plusSeconds(4), Optional.of(ERRORED));

        assertThat(nodeB.replay(InboxQuery.deadLetters().withEventType("unknown"))).isEqualTo(1);
        assertThat(nodeB.replay(InboxQuery.deadLetters().withEventType(ERRORED).withLimit(1))).isEqualTo(1);
        assertThat(nodeB.discard(InboxQuery.deadLetters().withReceivedBetween(RECEIVED.plusSeconds(3),
                RECEIVED.plusSeconds(4)))).isEqualTo(1);

        assertThat(keys(nodeA.list(InboxQuery.in(InboxState.PENDING)))).containsExactly("errored", "untyped");
        assertThat(keys(nodeA.list(InboxQuery.deadLetters()))).containsExactly("errored-later", "errored-latest");
        assertThat(nodeA.find(key("created"))).isEmpty();
        assertThat(nodeB.discard(InboxQuery.deadLetters().withLimit(1))).isEqualTo(1);
        assertThat(keys(nodeA.list(InboxQuery.deadLetters()))).containsExactly("errored-latest");
    }

    // An operator replays or discards "what failed between two times": a store that ignored either bound would act on
    // dead letters the operator did not select.
    @Test
    void replayAndDiscardMatchAReceiveTimeFromInclusiveUntilExclusive() {
        deadAt("before", RECEIVED.minusMillis(1), Optional.of(ERRORED));
        deadAt("from", RECEIVED, Optional.of(ERRORED));
        deadAt("within", RECEIVED.plusSeconds(30), Optional.of(ERRORED));
        deadAt("until", RECEIVED.plusSeconds(60), Optional.of(ERRORED));
        Set<InboxState> dead = Set.of(InboxState.DEAD);
        int limit = InboxQuery.DEFAULT_LIMIT;

        assertThat(nodeB.replay(InboxQuery.deadLetters().withReceivedBetween(RECEIVED, RECEIVED.plusSeconds(60))))
                .isEqualTo(2);
        assertThat(keys(nodeA.list(InboxQuery.in(InboxState.PENDING)))).containsExactly("from", "within");
        assertThat(nodeB.discard(new InboxQuery(dead, Optional.empty(), Optional.of(RECEIVED.plusSeconds(60)),
                Optional.empty(), limit))).isEqualTo(1);
        assertThat(nodeA.find(key("until"))).isEmpty();
        assertThat(nodeB.replay(new InboxQuery(dead, Optional.empty(), Optional.empty(), Optional.of(RECEIVED),
                limit))).isEqualTo(1);
        assertThat(keys(nodeA.list(InboxQuery.in(InboxState.PENDING)))).containsExactly("before", "from", "within");
        assertThat(nodeA.list(InboxQuery.deadLetters())).isEmpty();
    }

    @Test
    void aQueryWithAKeyListsReplaysAndDiscardsOnlyThatEntryAndOnlyIfItIsDead() {
        deadAt("first", RECEIVED, Optional.of(ERRORED));
        deadAt("twin", RECEIVED, Optional.of(ERRORED));
        deadAt("third", RECEIVED.plusSeconds(1), Optional.of(ERRORED));
        heldAt("done", RECEIVED);
        nodeA.done(key("done"), "owner-1", RETENTION);

        assertThat(keys(nodeB.list(InboxQuery.deadLetters().withKey(key("twin"))))).containsExactly("twin");
        assertThat(nodeB.replay(InboxQuery.deadLetters().withKey(key("twin")))).isEqualTo(1);
        assertThat(nodeB.replay(InboxQuery.in(InboxState.DONE).withKey(key("done")))).isZero();
        assertThat(nodeB.discard(InboxQuery.deadLetters().withKey(key("third")).withEventType("unknown"))).isZero();
        assertThat(nodeB.discard(InboxQuery.deadLetters().withKey(key("third")))).isEqualTo(1);
        assertThat(nodeB.replay(InboxQuery.deadLetters().withKey(key("never-offered")))).isZero();

        assertThat(nodeA.find(key("twin")).orElseThrow().state()).isEqualTo(InboxState.PENDING);
        assertThat(nodeA.find(key("third"))).isEmpty();
        assertThat(keys(nodeA.list(InboxQuery.deadLetters()))).containsExactly("first");
        assertThat(nodeA.find(key("done")).orElseThrow().state()).isEqualTo(InboxState.DONE);
    }

    @Test
    void discardDeletesOnlyDeadEntriesAndADiscardedKeyCanBeOfferedAgain() {
        heldAt("dead", RECEIVED);
        nodeA.dead(key("dead"), "owner-1", Set.of(), "error");
        heldAt("done", RECEIVED);
        nodeA.done(key("done"), "owner-1", RETENTION);
        heldAt("taken", RECEIVED);
        offerAt("pending", RECEIVED, Optional.of(ERRORED));

        int discarded = nodeB.discard(InboxQuery.in(InboxState.PENDING, InboxState.PROCESSING, InboxState.DONE,
                InboxState.DEAD));

        assertThat(discarded).isEqualTo(1);
        assertThat(nodeA.find(key("dead"))).isEmpty();
        assertThat(keys(nodeA.list(InboxQuery.in(InboxState.PENDING, InboxState.PROCESSING, InboxState.DONE))))
                .containsExactlyInAnyOrder("done", "taken", "pending");
        assertThat(nodeA.offer(received("dead"))).isTrue();
        assertThat(nodeA.discard(InboxQuery.deadLetters())).isZero();
    }

    // --- purge ---

    @Test
    void purgeDeletesOnlyDoneEntriesPastTheirRetentionAtMostOneBatchAtATime() {
        Duration shortRetention = MARGIN.multipliedBy(4);
        for (int i = 0; i < 5; i++) {
            held("expired-" + i, "owner-1");
            nodeA.done(key("expired-" + i), "owner-1", shortRetention);
        }
        held("kept", "owner-1");
        nodeA.done(key("kept"), "owner-1", RETENTION);
        held("dead", "owner-1");
        nodeA.dead(key("dead"), "owner-1", Set.of(), "error");
        held("crashed", "owner-1");
        held("retried", "owner-1");
        nodeA.retry(key("retried"), "owner-1", DELAY, Set.of(), "error");
        nodeA.offer(received("pending"));

        assertThat(nodeB.purge(10)).isZero();
        advanceTime(shortRetention.plus(MARGIN));

        assertThat(nodeB.purge(2)).isEqualTo(2);
        assertThat(nodeB.purge(2)).isEqualTo(2);
        assertThat(nodeB.purge(2)).isEqualTo(1);
        assertThat(nodeB.purge(2)).isZero();
        assertThat(keys(nodeA.list(InboxQuery.in(InboxState.PENDING, InboxState.PROCESSING, InboxState.DONE,
                InboxState.DEAD)))).containsExactlyInAnyOrder("kept", "dead", "crashed", "retried", "pending");
        assertThat(nodeA.offer(received("expired-0"))).isTrue();
        assertThat(nodeA.offer(received("kept"))).isFalse();
        assertThatThrownBy(() -> nodeB.purge(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aDoneEntryIsKeptForItsRetentionMeasuredFromWhenItWasDone() {
        Duration retention = MARGIN.multipliedBy(4);
        held("k", "owner-1");
        advanceTime(LEASE.minus(MARGIN));
        nodeA.done(key("k"), "owner-1", retention);

        advanceTime(retention.minus(MARGIN));
        assertThat(nodeB.purge(10)).isZero();
        assertThat(nodeB.offer(received("k"))).isFalse();

        advanceTime(MARGIN.multipliedBy(2));
        assertThat(nodeB.purge(10)).isEqualTo(1);
        assertThat(nodeB.offer(received("k"))).isTrue();
    }

    // --- a done entry past its retention: no longer a duplicate, purged or not ---

    @Test
    void aDoneEntryPastItsRetentionIsReplacedByANewDeliveryOfItsKeyWithoutAPurge() {
        Duration shortRetention = MARGIN.multipliedBy(4);
        held("k", "crashes");
        advanceTime(LEASE.plus(MARGIN));
        nodeA.take("owner-1", 1, LEASE);
        nodeA.retry(key("k"), "owner-1", Duration.ZERO, Set.of("alerts"), "IllegalStateException: down");
        nodeA.take("owner-1", 1, LEASE);
        assertThat(nodeA.done(key("k"), "owner-1", shortRetention)).isTrue();
        advanceTime(shortRetention.plus(MARGIN));

        InboxEntry copy = InboxEntry.received(key("k"), Optional.of("Connection Expired"), "next",
                Map.of("x-refold-subscription", List.of("again")), body("a new event"), RECEIVED.plusSeconds(3600));
        assertThat(nodeB.offer(copy)).as("a new event with the key of one done and expired").isTrue();

        InboxEntry stored = nodeA.find(key("k")).orElseThrow();
        assertThat(stored.state()).isEqualTo(InboxState.PENDING);
        assertThat(stored.body()).isEqualTo(body("a new event"));
        assertThat(stored.eventType()).contains("Connection Expired");
        assertThat(stored.keyLabel()).isEqualTo("next");
        assertThat(stored.headers()).isEqualTo(Map.of("x-refold-subscription", List.of("again")));
        assertThat(stored.receivedAt()).isEqualTo(RECEIVED.plusSeconds(3600));
        assertThat(stored.attempts()).isZero();
        assertThat(stored.doneHandlers()).isEmpty();
        assertThat(stored.lastError()).isEmpty();
        assertThat(stored.rerun()).isFalse();
        assertThat(nodeA.offer(received("k"))).as("a copy of the new delivery").isFalse();
        List<InboxEntry> taken = nodeA.take("owner-2", 10, LEASE);
        assertThat(keys(taken)).as("due at once").containsExactly("k");
        assertThat(taken.get(0).rerun()).isFalse();
        assertThat(nodeA.done(key("k"), "owner-1", RETENTION)).as("its former worker ends nothing").isFalse();
        assertThat(nodeA.done(key("k"), "owner-2", RETENTION)).isTrue();
    }

    @Test
    void aDoneEntryPastItsRetentionIsReplacedByADeliveryOfferedTakenHeldByItsNewOwner() {
        if (!nodeA.storesTaken()) {
            return;
        }
        Duration shortRetention = MARGIN.multipliedBy(4);
        held("k", "owner-1");
        nodeA.retry(key("k"), "owner-1", Duration.ZERO, Set.of("alerts"), "IllegalStateException: down");
        nodeA.take("owner-1", 1, LEASE);
        nodeA.done(key("k"), "owner-1", shortRetention);
        advanceTime(shortRetention.plus(MARGIN));

        assertThat(nodeB.offerTaken(received("k", RECEIVED.plusSeconds(60), Optional.of(ERRORED), body("new")),
                "owner-2", LEASE)).isTrue();

        InboxEntry stored = nodeA.find(key("k")).orElseThrow();
        assertThat(stored.state()).isEqualTo(InboxState.PROCESSING);
        assertThat(stored.body()).isEqualTo(body("new"));
        assertThat(stored.receivedAt()).isEqualTo(RECEIVED.plusSeconds(60));
        assertThat(stored.attempts()).isZero();
        assertThat(stored.doneHandlers()).isEmpty();
        assertThat(stored.lastError()).isEmpty();
        assertThat(stored.rerun()).isFalse();
        assertThat(nodeA.offerTaken(received("k"), "owner-3", LEASE)).as("a copy of the new delivery").isFalse();
        assertThat(nodeA.take("owner-3", 10, LEASE)).as("held by its new owner").isEmpty();
        advanceTime(LEASE.minus(MARGIN));
        assertThat(nodeA.take("owner-3", 10, LEASE)).as("for a whole lease").isEmpty();
        assertThat(nodeA.renew(key("k"), "owner-1", LEASE)).as("not by its former worker").isFalse();
        assertThat(nodeA.done(key("k"), "owner-2", RETENTION)).isTrue();
    }

    @Test
    void aDoneEntryWithinItsRetentionStaysADuplicateAndIsLeftAlone() {
        Duration retention = MARGIN.multipliedBy(4);
        held("k", "owner-1");
        nodeA.done(key("k"), "owner-1", retention);
        advanceTime(retention.minus(MARGIN));
        InboxEntry before = nodeA.find(key("k")).orElseThrow();

        assertThat(nodeB.offer(received("k", RECEIVED.plusSeconds(60), Optional.of(ERRORED), body("new")))).isFalse();
        if (nodeB.storesTaken()) {
            assertThat(nodeB.offerTaken(received("k"), "owner-2", LEASE)).isFalse();
        }
        assertThat(nodeA.find(key("k")).orElseThrow()).isEqualTo(before);
    }

    @Test
    void anEntryPendingTakenOrDeadIsNeverReplacedHoweverLongAgoItWasDue() {
        held("dead", "owner-1");
        nodeA.dead(key("dead"), "owner-1", Set.of("alerts"), "IllegalStateException: down");
        held("retried", "owner-1");
        nodeA.retry(key("retried"), "owner-1", DELAY, Set.of(), "IllegalStateException: down");
        held("crashed", "owner-1");
        advanceTime(RETENTION.plus(RETENTION));

        for (String name : List.of("dead", "retried", "crashed")) {
            InboxEntry before = nodeA.find(key(name)).orElseThrow();
            InboxEntry copy = received(name, RECEIVED.plusSeconds(60), Optional.of(ERRORED), body("new"));
            assertThat(nodeB.offer(copy)).as(name).isFalse();
            if (nodeB.storesTaken()) {
                assertThat(nodeB.offerTaken(copy, "owner-2", LEASE)).as(name).isFalse();
            }
            assertThat(nodeA.find(key(name)).orElseThrow()).as(name).isEqualTo(before);
        }
    }

    @Test
    void twoNodesOfferingTheKeyOfADoneEntryPastItsRetentionAtTheSameTimeReplaceItOnce() throws Exception {
        Duration shortRetention = MARGIN.multipliedBy(4);
        for (int round = 0; round < RACE_ROUNDS; round++) {
            held("expired-" + round, "owner-1");
            nodeA.done(key("expired-" + round), "owner-1", shortRetention);
        }
        advanceTime(shortRetention.plus(MARGIN));
        CyclicBarrier barrier = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < RACE_ROUNDS; round++) {
                String name = "expired-" + round;
                // Every other round the second node offers taken, where the store can.
                boolean taken = round % 2 == 1 && nodeB.storesTaken();
                Future<Boolean> a = pool.submit(() -> atBarrier(barrier,
                        () -> nodeA.offer(received(name, RECEIVED, Optional.of(ERRORED), body("a")))));
                Future<Boolean> b = pool.submit(() -> atBarrier(barrier, () -> {
                    InboxEntry copy = received(name, RECEIVED, Optional.of(ERRORED), body("b"));
                    return taken ? nodeB.offerTaken(copy, "owner-2", LEASE) : nodeB.offer(copy);
                }));
                boolean aStored = a.get(30, TimeUnit.SECONDS);
                boolean bStored = b.get(30, TimeUnit.SECONDS);

                assertThat(aStored ^ bStored).as("round %d: exactly one offer stores", round).isTrue();
                InboxEntry stored = nodeA.find(key(name)).orElseThrow();
                assertThat(stored.body()).as("round %d", round).isEqualTo(body(aStored ? "a" : "b"));
                assertThat(stored.state()).as("round %d", round)
                        .isEqualTo(aStored || !taken ? InboxState.PENDING : InboxState.PROCESSING);
            }
        } finally {
            pool.shutdownNow();
        }
        InboxStats stats = nodeA.stats();
        assertThat(stats.count(InboxState.PENDING) + stats.count(InboxState.PROCESSING)).isEqualTo(RACE_ROUNDS);
        assertThat(stats.count(InboxState.DONE)).isZero();
    }

    // --- stats ---

    @Test
    void statsCountTheEntriesInEachStateAndNoDueTimeWhenNothingIsDue() {
        InboxStats empty = nodeA.stats();
        for (InboxState state : InboxState.values()) {
            assertThat(empty.count(state)).as("%s", state).isZero();
        }
        assertThat(empty.oldestDue()).isEmpty();
        assertThat(nodeA.oldestDue()).isEmpty();

        held("taken", "owner-1");
        held("done", "owner-1");
        nodeA.done(key("done"), "owner-1", RETENTION);
        for (String name : List.of("dead-1", "dead-2")) {
            held(name, "owner-1");
            nodeA.dead(key(name), "owner-1", Set.of(), "error");
        }
        held("retried", "owner-1");
        nodeA.retry(key("retried"), "owner-1", DELAY, Set.of(), "error");

        InboxStats stats = nodeB.stats();
        assertThat(stats.count(InboxState.PENDING)).isEqualTo(1);
        assertThat(stats.count(InboxState.PROCESSING)).isEqualTo(1);
        assertThat(stats.count(InboxState.DONE)).isEqualTo(1);
        assertThat(stats.count(InboxState.DEAD)).isEqualTo(2);
        assertThat(stats.oldestDue()).as("a retry not yet due, a lease still running").isEmpty();
        assertThat(nodeB.oldestDue()).as("a retry not yet due, a lease still running").isEmpty();
    }

    @Test
    void statsTellWhenTheOldestDueEntryBecameDue() {
        nodeA.offer(received("oldest"));
        advanceTime(Duration.ofSeconds(2));
        nodeA.offer(received("newer"));
        advanceTime(Duration.ofSeconds(2));

        Instant oldest = nodeB.find(key("oldest")).orElseThrow().nextAttemptAt();
        assertThat(nodeB.stats().oldestDue()).contains(oldest);
        assertThat(nodeB.oldestDue()).contains(oldest);

        nodeB.take("owner-1", 1, LEASE);
        Instant newer = nodeB.find(key("newer")).orElseThrow().nextAttemptAt();
        assertThat(nodeB.stats().oldestDue()).contains(newer);
        assertThat(nodeA.oldestDue()).contains(newer);
    }

    @Test
    void statsCountAnEntryWhoseLeaseRanOutAsDueSinceItsLeaseEnded() {
        held("crashed", "owner-1");
        advanceTime(LEASE.plus(MARGIN));
        nodeA.offer(received("pending"));

        Instant leaseEnd = nodeB.find(key("crashed")).orElseThrow().nextAttemptAt();
        assertThat(nodeB.stats().oldestDue()).contains(leaseEnd);
        assertThat(nodeB.oldestDue()).contains(leaseEnd);
        assertThat(nodeB.take("owner-2", 1, LEASE)).extracting(InboxEntry::key).containsExactly(key("crashed"));
    }

    // --- order ---

    @Test
    void anEntryIsNotTakenWhileAnEarlierEntryOfItsOrderingKeyIsPendingOrTakenAndOthersAreTakenMeanwhile() {
        offerOrdered("x-1", "account-x", RECEIVED);
        offerOrdered("x-2", "account-x", RECEIVED.plusSeconds(1));
        offerOrdered("y-1", "account-y", RECEIVED.plusSeconds(2));
        offerAt("none", RECEIVED.plusSeconds(3), Optional.of(ERRORED));

        List<InboxEntry> first = nodeA.take("owner-1", 10, LEASE);
        assertThat(keys(first)).containsExactlyInAnyOrder("x-1", "y-1", "none");
        assertThat(first).filteredOn(entry -> entry.key().equals(key("x-1"))).singleElement()
                .satisfies(entry -> assertThat(entry.orderingKey()).contains(run + "account-x"));
        assertThat(nodeB.take("owner-2", 10, LEASE)).as("x-2 behind x-1, which is taken").isEmpty();
        assertThat(nodeB.find(key("x-2")).orElseThrow().orderingKey()).contains(run + "account-x");

        assertThat(nodeA.done(key("x-1"), "owner-1", RETENTION)).isTrue();
        assertThat(keys(nodeB.take("owner-2", 10, LEASE))).containsExactly("x-2");
    }

    @Test
    void anEntryWaitsThroughTheRetriesOfAnEarlierEntryOfItsOrderingKeyAndIsFreedWhenThatOneIsDead() {
        offerOrdered("x-1", "account-x", RECEIVED);
        offerOrdered("x-2", "account-x", RECEIVED.plusSeconds(1));
        assertThat(keys(nodeA.take("owner-1", 10, LEASE))).containsExactly("x-1");
        assertThat(nodeA.retry(key("x-1"), "owner-1", DELAY, Set.of(), "error")).isTrue();

        assertThat(nodeB.take("owner-2", 10, LEASE)).as("x-2 behind x-1, waiting for its retry").isEmpty();
        advanceTime(DELAY.plus(MARGIN));
        assertThat(keys(nodeB.take("owner-2", 10, LEASE))).as("x-1 due again; x-2, due first, still behind it")
                .containsExactly("x-1");
        assertThat(nodeB.dead(key("x-1"), "owner-2", Set.of(), "error")).isTrue();
        assertThat(keys(nodeA.take("owner-3", 10, LEASE))).containsExactly("x-2");
    }

    @Test
    void anEntryWaitsForAnEarlierEntryOfItsOrderingKeyWhoseWorkerCrashedUntilThatOneIsDone() {
        offerOrdered("x-1", "account-x", RECEIVED);
        offerOrdered("x-2", "account-x", RECEIVED.plusSeconds(1));
        assertThat(keys(nodeA.take("crashed", 10, LEASE))).containsExactly("x-1");

        advanceTime(LEASE.plus(MARGIN));
        List<InboxEntry> retaken = nodeB.take("owner-2", 10, LEASE);
        assertThat(keys(retaken)).containsExactly("x-1");
        assertThat(retaken.get(0).rerun()).isTrue();
        assertThat(nodeB.done(key("x-1"), "owner-2", RETENTION)).isTrue();
        assertThat(keys(nodeB.take("owner-2", 10, LEASE))).containsExactly("x-2");
    }

    @Test
    void anEntryStoredAfterALaterEntryOfItsOrderingKeyWasTakenWaitsUntilThatOneIsDone() {
        offerEarlierAfterLaterTaken("owner-1");

        assertThat(nodeB.take("owner-2", 10, LEASE)).as("never two taken entries of one ordering key").isEmpty();
        assertThat(nodeB.oldestDue()).isEmpty();
        assertThat(nodeA.done(key("x-2"), "owner-1", RETENTION)).isTrue();
        assertThat(keys(nodeB.take("owner-2", 10, LEASE))).containsExactly("x-1");
    }

    @Test
    void aTakenEntryWhoseWorkerCrashedIsTakenAgainThoughAnEarlierEntryOfItsOrderingKeyArrivedLate() {
        offerEarlierAfterLaterTaken("crashed");

        advanceTime(LEASE.plus(MARGIN));
        List<InboxEntry> retaken = nodeB.take("owner-2", 10, LEASE);
        assertThat(keys(retaken)).as("x-2 is the key's running entry, x-1 waits for it").containsExactly("x-2");
        assertThat(retaken.get(0).rerun()).isTrue();
        assertThat(nodeB.done(key("x-2"), "owner-2", RETENTION)).isTrue();
        assertThat(keys(nodeB.take("owner-2", 10, LEASE))).containsExactly("x-1");
    }

    @Test
    void aTakenEntryWhoseWorkerCrashedIsTakenAgainThoughAnEarlierEntryOfItsOrderingKeyWasReplayed() {
        replayEarlierWhileLaterTaken("crashed");

        advanceTime(LEASE.plus(MARGIN));
        assertThat(keys(nodeB.take("owner-2", 10, LEASE))).containsExactly("x-2");
        assertThat(nodeB.done(key("x-2"), "owner-2", RETENTION)).isTrue();
        assertThat(keys(nodeB.take("owner-2", 10, LEASE))).containsExactly("x-1");
    }

    @Test
    void aDeadEntryReplayedWhileALaterEntryOfItsOrderingKeyIsTakenWaitsUntilThatOneIsDone() {
        replayEarlierWhileLaterTaken("owner-1");

        assertThat(nodeB.take("owner-2", 10, LEASE)).as("never two taken entries of one ordering key").isEmpty();
        assertThat(nodeA.done(key("x-2"), "owner-1", RETENTION)).isTrue();
        assertThat(keys(nodeB.take("owner-2", 10, LEASE))).containsExactly("x-1");
    }

    @Test
    void anOrderingKeyAStoreCouldNotHoldCharacterForCharacterIsKeptInAnotherFormThatStillOrders() {
        String unholdable = "account\u0000" + "x".repeat(300) + "\ud800";
        assertThat(nodeA.offer(InboxEntry.received(key("x-1"), Optional.of(ERRORED), "live", HEADERS, body("x-1"),
                RECEIVED, Optional.of(unholdable)))).isTrue();
        assertThat(nodeA.offer(InboxEntry.received(key("x-2"), Optional.of(ERRORED), "live", HEADERS, body("x-2"),
                RECEIVED.plusSeconds(1), Optional.of(unholdable)))).isTrue();

        assertThat(keys(nodeB.take("owner-1", 10, LEASE))).containsExactly("x-1");
        assertThat(nodeB.find(key("x-2")).orElseThrow().orderingKey()).hasValueSatisfying(
                stored -> assertThat(stored).isNotEqualTo(unholdable).hasSizeLessThanOrEqualTo(200));
    }

    @Test
    void theOrderIsByReceiveTimeThenByKeyNotByWhenEntriesWereOffered() {
        offerOrdered("late", "account-x", RECEIVED.plusSeconds(10));
        offerOrdered("tie-2", "account-x", RECEIVED);
        offerOrdered("tie-1", "account-x", RECEIVED);

        for (String next : List.of("tie-1", "tie-2", "late")) {
            assertThat(keys(nodeA.take("owner-1", 10, LEASE))).containsExactly(next);
            assertThat(nodeA.done(key(next), "owner-1", RETENTION)).isTrue();
        }
        assertThat(nodeA.take("owner-1", 10, LEASE)).isEmpty();
    }

    @Test
    void aReplayedEntryHoldsTheLaterPendingEntriesOfItsOrderingKeyBackAgain() {
        offerOrdered("x-1", "account-x", RECEIVED);
        assertThat(keys(nodeA.take("owner-1", 10, LEASE))).containsExactly("x-1");
        assertThat(nodeA.dead(key("x-1"), "owner-1", Set.of(), "error")).isTrue();
        offerOrdered("x-2", "account-x", RECEIVED.plusSeconds(1));

        assertThat(nodeB.replay(InboxQuery.deadLetters().withKey(key("x-1")))).isEqualTo(1);

        assertThat(keys(nodeB.take("owner-2", 10, LEASE))).containsExactly("x-1");
    }

    @Test
    void theOldestDueTimeLeavesOutAnEntryHeldBackByItsOrderingKey() {
        offerOrdered("x-1", "account-x", RECEIVED);
        assertThat(nodeA.take("owner-1", 10, LEASE)).hasSize(1);
        offerOrdered("x-2", "account-x", RECEIVED.plusSeconds(1));

        assertThat(nodeB.oldestDue()).as("x-2 waits for x-1, not for a worker").isEmpty();
        assertThat(nodeB.stats().oldestDue()).isEmpty();
        offerAt("none", RECEIVED.plusSeconds(2), Optional.of(ERRORED));
        Instant due = nodeB.find(key("none")).orElseThrow().nextAttemptAt();
        assertThat(nodeB.oldestDue()).contains(due);
        assertThat(nodeB.stats().oldestDue()).contains(due);
    }

    @Test
    void anEntryWithAnOrderingKeyIsNeverStoredTaken() {
        if (!nodeA.storesTaken()) {
            assertThatThrownBy(() -> nodeA.offerTaken(ordered("x-1", "account-x", RECEIVED), "owner-1", LEASE))
                    .isInstanceOf(UnsupportedOperationException.class);
            return;
        }
        assertThatThrownBy(() -> nodeA.offerTaken(ordered("x-1", "account-x", RECEIVED), "owner-1", LEASE))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(nodeB.find(key("x-1"))).isEmpty();
    }

    @Test
    void twoNodesTakingAtTheSameTimeNeverGetTwoEntriesOfOneOrderingKey() throws Exception {
        CyclicBarrier barrier = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < RACE_ROUNDS / 5; round++) {
                String account = "account-" + round;
                offerOrdered("first-" + round, account, RECEIVED);
                offerOrdered("second-" + round, account, RECEIVED.plusSeconds(1));
                String ownerA = "a-" + round;
                String ownerB = "b-" + round;
                Future<List<InboxEntry>> a = pool.submit(() -> atBarrier(barrier,
                        () -> nodeA.take(ownerA, 2, LEASE)));
                Future<List<InboxEntry>> b = pool.submit(() -> atBarrier(barrier,
                        () -> nodeB.take(ownerB, 2, LEASE)));
                List<InboxEntry> takenByA = a.get(30, TimeUnit.SECONDS);
                List<InboxEntry> takenByB = b.get(30, TimeUnit.SECONDS);

                List<InboxEntry> all = new ArrayList<>(takenByA);
                all.addAll(takenByB);
                assertThat(keys(all)).as("round %d", round).containsExactly("first-" + round);
                String owner = takenByA.isEmpty() ? ownerB : ownerA;
                assertThat(nodeA.done(key("first-" + round), owner, RETENTION)).isTrue();
                assertThat(keys(nodeB.take("drain", 2, LEASE))).containsExactly("second-" + round);
                assertThat(nodeB.done(key("second-" + round), "drain", RETENTION)).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // --- what is kept ---

    @Test
    void theBodyComesBackByteForByteWhateverItsBytes() {
        byte[] everyByte = new byte[256 * 3];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = (byte) i;
        }
        byte[] large = new byte[512 * 1024];
        ThreadLocalRandom.current().nextBytes(large);
        nodeA.offer(received("every-byte", RECEIVED, Optional.empty(), everyByte));
        nodeA.offer(received("large", RECEIVED.plusSeconds(1), Optional.empty(), large));
        nodeA.offer(received("empty", RECEIVED.plusSeconds(2), Optional.empty(), new byte[0]));

        assertThat(nodeB.find(key("every-byte")).orElseThrow().body()).isEqualTo(everyByte);
        assertThat(nodeB.find(key("large")).orElseThrow().body()).isEqualTo(large);
        assertThat(nodeB.find(key("empty")).orElseThrow().body()).isEmpty();
        Map<String, byte[]> taken = new LinkedHashMap<>();
        nodeB.take("owner-1", 3, LEASE).forEach(entry -> taken.put(entry.key(), entry.body()));
        assertThat(taken).containsOnlyKeys(key("every-byte"), key("large"), key("empty"));
        assertThat(taken.get(key("every-byte"))).isEqualTo(everyByte);
        assertThat(taken.get(key("large"))).isEqualTo(large);
        assertThat(nodeB.list(InboxQuery.in(InboxState.PROCESSING)).get(0).body()).isEqualTo(everyByte);
    }

    @Test
    void theBodyIsStoredAsACopyThatNoCallerCanChange() {
        byte[] offered = body("k");
        nodeA.offer(received("k", RECEIVED, Optional.of(ERRORED), offered));

        offered[0] = 'X';
        nodeA.find(key("k")).orElseThrow().body()[1] = 'X';
        nodeA.list(InboxQuery.in(InboxState.PENDING)).get(0).body()[2] = 'X';
        nodeA.take("owner-1", 1, LEASE).get(0).body()[3] = 'X';

        assertThat(nodeB.find(key("k")).orElseThrow().body()).isEqualTo(body("k"));
    }

    @Test
    void headersComeBackWithEveryValueInOrderAndTheKeyLabelAndEventTypeAsOffered() {
        Map<String, List<String>> headers = Map.of(
                "accept", List.of("application/json", "text/plain;q=0.5", "application/json"),
                "x-refold-subscription", List.of("export-runs"),
                "x-empty", List.of(""),
                "x-unicode", List.of("caf\u00e9 \u65e5\u672c \ud83d\ude00", "tab\there \"quoted\" back\\slash"),
                "X-Mixed-Case", List.of("kept as received"));
        nodeA.offer(InboxEntry.received(key("k"), Optional.of("Connection Created"), "test-key-2", headers,
                body("k"), RECEIVED));
        nodeA.offer(InboxEntry.received(key("bare"), Optional.empty(), "live", Map.of(), body("bare"), RECEIVED));

        InboxEntry stored = nodeB.find(key("k")).orElseThrow();
        assertThat(stored.headers()).isEqualTo(headers);
        assertThat(stored.headers().get("accept"))
                .containsExactly("application/json", "text/plain;q=0.5", "application/json");
        assertThat(stored.keyLabel()).isEqualTo("test-key-2");
        assertThat(stored.eventType()).contains("Connection Created");
        assertThat(nodeB.find(key("bare")).orElseThrow().headers()).isEmpty();
    }

    // A request built in code (an adapter of the user's own, a gateway's event decoded from JSON) can carry any
    // character in a header value; PostgreSQL keeps no unpaired surrogate in text, and refuses a NUL.
    @Test
    void headerValuesComeBackCharacterForCharacterWhateverTheCharacters() {
        Map<String, List<String>> headers = Map.of(
                "x-surrogates", List.of("high \ud800 alone", "low \udc00 alone", "ends high \ud83d",
                        "pair \ud83d\ude00 whole"),
                "x-controls", List.of("nul \u0000 del \u007f", "line\u2028separator", "\ufffd replacement"));
        nodeA.offer(InboxEntry.received(key("k"), Optional.of(ERRORED), "live", headers, body("k"), RECEIVED));

        assertThat(nodeB.find(key("k")).orElseThrow().headers()).isEqualTo(headers);
        assertThat(nodeB.take("owner-1", 1, LEASE).get(0).headers()).isEqualTo(headers);
    }

    @Test
    void handlerNamesAndAnErrorComeBackAsRecorded() {
        Set<String> handlers = Set.of("alerts", "Audit.record", "com.example.Handlers#onErrored(WorkflowErrored)",
                "caf\u00e9");
        String error = "java.lang.IllegalStateException: downstream said \"no\" (caf\u00e9, 50% done)";
        held("k", "owner-1");

        nodeA.retry(key("k"), "owner-1", DELAY, handlers, error);

        InboxEntry stored = nodeB.find(key("k")).orElseThrow();
        assertThat(stored.doneHandlers()).isEqualTo(handlers);
        assertThat(stored.lastError()).contains(error);
    }

    @Test
    void keysThatDifferOnlyInANulOrALoneSurrogateAreKeptApart() {
        String base = key("odd");
        List<String> keys = List.of(base + "\u0000", base, base + "\ud800", base + "\udc00", base + "\ufffd");
        for (int i = 0; i < keys.size(); i++) {
            assertThat(nodeA.offer(entry(keys.get(i), body("odd-" + i)))).as("%s", codes(keys.get(i))).isTrue();
        }

        for (int i = 0; i < keys.size(); i++) {
            assertThat(nodeB.offer(entry(keys.get(i), body("again")))).as("%s", codes(keys.get(i))).isFalse();
            assertThat(nodeB.find(keys.get(i)).orElseThrow().body()).isEqualTo(body("odd-" + i));
        }
        List<InboxEntry> taken = nodeB.take("owner-1", 10, LEASE);
        assertThat(taken).extracting(InboxEntry::key).doesNotHaveDuplicates().hasSize(keys.size());
        for (InboxEntry entry : taken) {
            assertThat(nodeA.find(entry.key()).orElseThrow().body()).isEqualTo(entry.body());
            assertThat(nodeA.done(entry.key(), "owner-1", RETENTION)).isTrue();
        }
        assertThat(nodeA.find(keys.get(0)).orElseThrow().state()).isEqualTo(InboxState.DONE);
    }

    @Test
    void aKeyOfTheLongestLengthAndKeysDifferingOnlyInCaseAreKeptApart() {
        String longest = key("k".repeat(IdempotencyKeyExtractor.MAX_LENGTH - run.length()));

        assertThat(longest).hasSize(IdempotencyKeyExtractor.MAX_LENGTH);
        assertThat(nodeA.offer(entry(longest, body("longest")))).isTrue();
        assertThat(nodeA.offer(entry(key("sha256:ABC"), body("upper")))).isTrue();
        assertThat(nodeA.offer(entry(key("sha256:abc"), body("lower")))).isTrue();

        assertThat(nodeB.offer(entry(longest, body("again")))).isFalse();
        assertThat(nodeB.find(longest).orElseThrow().key()).isEqualTo(longest);
        assertThat(nodeB.find(key("sha256:abc")).orElseThrow().body()).isEqualTo(body("lower"));
    }

    // --- outage ---

    @Test
    void whileTheStoreIsDownEveryOperationFailsAsUnavailableAndNothingItHeldIsLost() {
        held("taken", "owner-1");
        held("dead", "owner-1");
        nodeA.dead(key("dead"), "owner-1", Set.of("alerts"), "error");
        held("done", "owner-1");
        nodeA.done(key("done"), "owner-1", RETENTION);
        nodeA.offer(received("pending"));
        InboxEntry pendingBefore = nodeA.find(key("pending")).orElseThrow();

        stopStore();
        try {
            for (InboxStore node : List.of(nodeA, nodeB)) {
                Map<String, Executable> operations = new LinkedHashMap<>();
                operations.put("offer", () -> node.offer(received("new")));
                if (node.storesTaken()) {
                    operations.put("offerTaken", () -> node.offerTaken(received("new"), "owner-2", LEASE));
                }
                operations.put("take", () -> node.take("owner-2", 5, LEASE));
                operations.put("renew", () -> node.renew(key("taken"), "owner-1", LEASE));
                operations.put("done", () -> node.done(key("taken"), "owner-1", RETENTION));
                operations.put("retry", () -> node.retry(key("taken"), "owner-1", DELAY, Set.of(), "error"));
                operations.put("dead", () -> node.dead(key("taken"), "owner-1", Set.of(), "error"));
                operations.put("giveUp", () -> node.giveUp(key("taken"), "owner-1", Set.of(), "error"));
                operations.put("release", () -> node.release(key("taken"), "owner-1"));
                operations.put("find", () -> node.find(key("pending")));
                operations.put("list", () -> node.list(InboxQuery.in(InboxState.PENDING)));
                operations.put("replay", () -> node.replay(InboxQuery.deadLetters()));
                operations.put("discard", () -> node.discard(InboxQuery.deadLetters()));
                operations.put("purge", () -> node.purge(10));
                operations.put("stats", node::stats);
                operations.put("oldestDue", node::oldestDue);
                operations.forEach((name, operation) -> assertThatThrownBy(operation::execute).as(name)
                        .isInstanceOf(StoreUnavailableException.class));
            }
        } finally {
            startStore();
        }

        assertThat(nodeB.find(key("new"))).as("a failed offer stores nothing").isEmpty();
        assertThat(nodeB.find(key("pending")).orElseThrow()).isEqualTo(pendingBefore);
        assertThat(nodeB.find(key("taken")).orElseThrow().state()).isEqualTo(InboxState.PROCESSING);
        assertThat(nodeB.find(key("done")).orElseThrow().state()).isEqualTo(InboxState.DONE);
        assertThat(nodeB.find(key("dead")).orElseThrow().doneHandlers()).containsExactly("alerts");
        assertThat(nodeB.offer(received("new"))).isTrue();
        assertThat(nodeB.offer(received("done"))).isFalse();
        assertThat(nodeA.done(key("taken"), "owner-1", RETENTION)).isTrue();
        assertThat(nodeB.take("owner-2", 5, LEASE)).extracting(InboxEntry::key)
                .containsExactlyInAnyOrder(key("pending"), key("new"));
    }

    @Test
    void anEntryWhoseOutcomeCouldNotBeRecordedDuringAnOutageIsTakenAgainOnceItsLeaseRunsOut() {
        held("k", "owner-1");

        stopStore();
        try {
            assertThatThrownBy(() -> nodeA.done(key("k"), "owner-1", RETENTION))
                    .isInstanceOf(StoreUnavailableException.class);
        } finally {
            startStore();
        }

        assertThat(nodeB.take("owner-2", 1, LEASE)).isEmpty();
        advanceTime(LEASE.plus(MARGIN));
        List<InboxEntry> rerun = nodeB.take("owner-2", 1, LEASE);
        assertThat(rerun).extracting(InboxEntry::key).containsExactly(key("k"));
        assertThat(rerun.get(0).rerun()).isTrue();
    }

    // --- helpers ---

    private String key(String name) {
        return run + name;
    }

    private static byte[] body(String name) {
        return ("{\"event\":\"" + ERRORED + "\",\"name\":\"" + name + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    private InboxEntry received(String name) {
        return received(name, RECEIVED, Optional.of(ERRORED), body(name));
    }

    private InboxEntry received(String name, Instant receivedAt, Optional<String> eventType, byte[] body) {
        return InboxEntry.received(key(name), eventType, "live", HEADERS, body, receivedAt);
    }

    private static InboxEntry entry(String key, byte[] body) {
        return InboxEntry.received(key, Optional.of(ERRORED), "live", HEADERS, body, RECEIVED);
    }

    // An entry of this test's `account` (the ordering key is made this test's own, like the keys).
    private InboxEntry ordered(String name, String account, Instant receivedAt) {
        return InboxEntry.received(key(name), Optional.of(ERRORED), "live", HEADERS, body(name), receivedAt,
                Optional.of(run + account));
    }

    private void offerOrdered(String name, String account, Instant receivedAt) {
        assertThat(nodeA.offer(ordered(name, account, receivedAt))).as(name).isTrue();
    }

    // Takes x-2 of account-x for `owner`, then offers x-1 of that account, received before it: an earlier delivery
    // stored late.
    private void offerEarlierAfterLaterTaken(String owner) {
        offerOrdered("x-2", "account-x", RECEIVED.plusSeconds(1));
        assertThat(keys(nodeA.take(owner, 10, LEASE))).containsExactly("x-2");
        offerOrdered("x-1", "account-x", RECEIVED);
    }

    // Makes x-1 of account-x dead, takes the later x-2 for `owner`, then replays x-1.
    private void replayEarlierWhileLaterTaken(String owner) {
        offerOrdered("x-1", "account-x", RECEIVED);
        assertThat(keys(nodeA.take("owner-1", 10, LEASE))).containsExactly("x-1");
        assertThat(nodeA.dead(key("x-1"), "owner-1", Set.of(), "error")).isTrue();
        offerOrdered("x-2", "account-x", RECEIVED.plusSeconds(1));
        assertThat(keys(nodeA.take(owner, 10, LEASE))).containsExactly("x-2");
        assertThat(nodeB.replay(InboxQuery.deadLetters().withKey(key("x-1")))).isEqualTo(1);
    }

    private void offerAt(String name, Instant receivedAt, Optional<String> eventType) {
        assertThat(nodeA.offer(received(name, receivedAt, eventType, body(name)))).as(name).isTrue();
    }

    // `name` taken by a worker that crashed, taken again by owner-2 (a rerun) and dead with handler "alerts" done.
    private void deadAfterACrash(String name) {
        held(name, "crashes");
        advanceTime(LEASE.plus(MARGIN));
        nodeB.take("owner-2", 1, LEASE);
        nodeB.dead(key(name), "owner-2", Set.of("alerts"), "error");
    }

    // Offers `name` and takes it for `owner`; nothing else may be due at that moment.
    private void held(String name, String owner) {
        heldAt(name, RECEIVED, Optional.of(ERRORED), owner);
    }

    private void heldAt(String name, Instant receivedAt) {
        heldAt(name, receivedAt, Optional.of(ERRORED), "owner-1");
    }

    private void heldAt(String name, Instant receivedAt, Optional<String> eventType, String owner) {
        offerAt(name, receivedAt, eventType);
        assertThat(nodeA.take(owner, 1, LEASE)).as("take %s", name).extracting(InboxEntry::key)
                .containsExactly(key(name));
    }

    private void deadAt(String name, Instant receivedAt, Optional<String> eventType) {
        heldAt(name, receivedAt, eventType, "owner-1");
        assertThat(nodeA.dead(key(name), "owner-1", Set.of(), "error")).isTrue();
    }

    // The names of `entries`, in order, without this test's prefix.
    private List<String> keys(List<InboxEntry> entries) {
        return entries.stream().map(entry -> entry.key().startsWith(run) ? entry.key().substring(run.length())
                : entry.key()).toList();
    }

    // `actual` is `expected` or up to MARGIN later, the real time a database's clock may have moved meanwhile.
    private static void assertAbout(Instant actual, Instant expected) {
        assertThat(actual).isBetween(expected.minusMillis(1), expected.plus(MARGIN));
    }

    private static List<Integer> codes(String key) {
        return key.chars().boxed().toList();
    }

    private static <T> T atBarrier(CyclicBarrier barrier, Callable<T> call) throws Exception {
        barrier.await(10, TimeUnit.SECONDS);
        return call.call();
    }
}
