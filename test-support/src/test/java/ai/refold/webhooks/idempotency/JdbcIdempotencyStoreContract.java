package ai.refold.webhooks.idempotency;

import ai.refold.webhooks.DeliveryRequest;
import ai.refold.webhooks.DeliveryResult;
import ai.refold.webhooks.Headers;
import ai.refold.webhooks.Outcome;
import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.idempotency.JdbcIdempotencyStore.Dialect;
import ai.refold.webhooks.signature.WebhookSigner;
import ai.refold.webhooks.test.SamplePayloads;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every database behind {@link JdbcIdempotencyStore} must do. Two "nodes" are two stores on two independent
 * data sources pointing at one database, as two instances of a receiver would be.
 */
abstract class JdbcIdempotencyStoreContract {

    static final String TABLE = JdbcIdempotencyStore.DEFAULT_TABLE_NAME;
    static final Duration LEASE = Duration.ofSeconds(30);
    static final Duration RETENTION = Duration.ofDays(7);
    private static final String API_KEY = "contract-test-api-key";

    JdbcIdempotencyStore nodeA;
    JdbcIdempotencyStore nodeB;

    /** Returns a new, independent data source for one node. */
    abstract DataSource newDataSource();

    /** Returns the dialect the database speaks. */
    abstract Dialect dialect();

    /** Makes the database unreachable for every data source. */
    abstract void stopDatabase();

    /** Makes the database reachable again, with its rows intact. */
    abstract void startDatabase();

    @BeforeEach
    void emptyTable() throws SQLException {
        nodeA = JdbcIdempotencyStore.builder().dataSource(newDataSource()).createTableIfMissing(true).build();
        nodeB = JdbcIdempotencyStore.builder().dataSource(newDataSource()).dialect(dialect()).build();
        nodeA.purgeExpired(1);
        execute("DELETE FROM " + TABLE);
    }

    @Test
    void anAbsentKeyIsClaimedOnceAndIsInProgressForEveryoneElse() {
        assertThat(nodeA.claim("k", "owner-1", LEASE)).isEqualTo(ClaimResult.CLAIMED);

        assertThat(nodeB.claim("k", "owner-2", LEASE)).isEqualTo(ClaimResult.IN_PROGRESS);
        assertThat(nodeA.claim("k", "owner-3", LEASE)).isEqualTo(ClaimResult.IN_PROGRESS);
        assertThat(nodeB.claim("other", "owner-4", LEASE)).isEqualTo(ClaimResult.CLAIMED);
    }

    @Test
    void aCompletedKeyIsADuplicateOnEveryNodeWithinItsRetention() {
        nodeA.claim("k", "owner-1", LEASE);

        assertThat(nodeA.complete("k", "owner-1", RETENTION)).isTrue();

        assertThat(nodeB.claim("k", "owner-2", LEASE)).isEqualTo(ClaimResult.COMPLETED);
        assertThat(nodeA.claim("k", "owner-3", LEASE)).isEqualTo(ClaimResult.COMPLETED);
    }

    @Test
    void aCompletedKeyCanBeClaimedAgainOnceItsRetentionRanOut() throws SQLException {
        nodeA.claim("k", "owner-1", LEASE);
        nodeA.complete("k", "owner-1", RETENTION);

        backdate("k");

        assertThat(nodeB.claim("k", "owner-2", LEASE)).isEqualTo(ClaimResult.CLAIMED);
        assertThat(nodeA.claim("k", "owner-3", LEASE)).isEqualTo(ClaimResult.IN_PROGRESS);
    }

    @Test
    void anExpiredClaimIsTakenOverAndItsOldOwnerCanNeitherCompleteNorRelease() throws SQLException {
        nodeA.claim("k", "slow-owner", LEASE);
        backdate("k");

        assertThat(nodeB.claim("k", "new-owner", LEASE)).isEqualTo(ClaimResult.CLAIMED);

        assertThat(nodeA.complete("k", "slow-owner", RETENTION)).isFalse();
        assertThat(nodeA.release("k", "slow-owner")).isFalse();
        assertThat(nodeA.claim("k", "third-owner", LEASE)).isEqualTo(ClaimResult.IN_PROGRESS);
        assertThat(nodeB.complete("k", "new-owner", RETENTION)).isTrue();
        assertThat(nodeA.claim("k", "third-owner", LEASE)).isEqualTo(ClaimResult.COMPLETED);
    }

    @Test
    void aClaimWhoseLeaseRanOutCanNoLongerBeCompletedOrReleasedEvenIfNobodyTookItOver() throws SQLException {
        nodeA.claim("k", "owner-1", LEASE);
        backdate("k");

        assertThat(nodeA.complete("k", "owner-1", RETENTION)).isFalse();
        assertThat(nodeA.release("k", "owner-1")).isFalse();
        assertThat(nodeB.claim("k", "owner-2", LEASE)).isEqualTo(ClaimResult.CLAIMED);
    }

    @Test
    void onlyTheOwnerCompletesOrReleasesAClaim() {
        nodeA.claim("k", "owner-1", LEASE);

        assertThat(nodeB.complete("k", "owner-2", RETENTION)).isFalse();
        assertThat(nodeB.release("k", "owner-2")).isFalse();
        assertThat(nodeB.claim("k", "owner-2", LEASE)).isEqualTo(ClaimResult.IN_PROGRESS);

        assertThat(nodeA.release("k", "owner-1")).isTrue();
        assertThat(nodeA.release("k", "owner-1")).isFalse();
        assertThat(nodeB.claim("k", "owner-2", LEASE)).isEqualTo(ClaimResult.CLAIMED);
    }

    @Test
    void aCompletedKeyCanNeitherBeCompletedAgainNorReleased() {
        nodeA.claim("k", "owner-1", LEASE);
        nodeA.complete("k", "owner-1", RETENTION);

        assertThat(nodeA.complete("k", "owner-1", RETENTION)).isFalse();
        assertThat(nodeA.release("k", "owner-1")).isFalse();
        assertThat(nodeB.claim("k", "owner-2", LEASE)).isEqualTo(ClaimResult.COMPLETED);
    }

    @Test
    void leaseAndRetentionAreMeasuredFromTheDatabaseClock() throws SQLException {
        nodeA.claim("leased", "owner-1", Duration.ofHours(1));
        nodeA.claim("kept", "owner-2", LEASE);
        nodeA.complete("kept", "owner-2", Duration.ofDays(2));

        assertThat(count("idempotency_key = 'leased' AND state = 'PROCESSING'"
                + " AND expires_at > CURRENT_TIMESTAMP + INTERVAL '59' MINUTE"
                + " AND expires_at <= CURRENT_TIMESTAMP + INTERVAL '61' MINUTE")).isEqualTo(1);
        assertThat(count("idempotency_key = 'kept' AND state = 'COMPLETED' AND owner_token IS NULL"
                + " AND expires_at > CURRENT_TIMESTAMP + INTERVAL '47' HOUR"
                + " AND expires_at <= CURRENT_TIMESTAMP + INTERVAL '49' HOUR")).isEqualTo(1);
    }

    @Test
    void aKeyOfTheLongestLengthAndKeysDifferingOnlyInCaseAreKeptApart() {
        String longest = "k".repeat(IdempotencyKeyExtractor.MAX_LENGTH);

        assertThat(nodeA.claim(longest, "owner-1", LEASE)).isEqualTo(ClaimResult.CLAIMED);
        assertThat(nodeA.claim("sha256:ABC", "owner-2", LEASE)).isEqualTo(ClaimResult.CLAIMED);
        assertThat(nodeA.claim("sha256:abc", "owner-3", LEASE)).isEqualTo(ClaimResult.CLAIMED);
        assertThatThrownBy(() -> nodeA.claim(longest + "k", "owner-4", LEASE))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void purgeDeletesOnlyExpiredRowsAtMostOneBatchAtATime() throws SQLException {
        for (int i = 0; i < 12; i++) {
            nodeA.claim("expired-" + i, "owner", LEASE);
            if (i % 2 == 0) {
                nodeA.complete("expired-" + i, "owner", RETENTION);
            }
            backdate("expired-" + i);
        }
        nodeA.claim("live-processing", "owner", LEASE);
        nodeA.claim("live-completed", "owner", LEASE);
        nodeA.complete("live-completed", "owner", RETENTION);

        assertThat(nodeB.purgeExpired(5)).isEqualTo(5);
        assertThat(count("1 = 1")).isEqualTo(9);
        assertThat(nodeB.purgeExpired(5)).isEqualTo(5);
        assertThat(nodeB.purgeExpired(5)).isEqualTo(2);
        assertThat(nodeB.purgeExpired(5)).isZero();

        assertThat(count("1 = 1")).isEqualTo(2);
        assertThat(nodeB.claim("live-processing", "other", LEASE)).isEqualTo(ClaimResult.IN_PROGRESS);
        assertThat(nodeB.claim("live-completed", "other", LEASE)).isEqualTo(ClaimResult.COMPLETED);
        assertThatThrownBy(() -> nodeB.purgeExpired(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void twoNodesRacingForOneKeyNeverBothWin() throws Exception {
        int rounds = 200;
        CyclicBarrier barrier = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < rounds; round++) {
                String key = "race-" + round;
                if (round % 2 == 1) {
                    // every other round races to take over an expired claim instead of inserting a new row
                    nodeA.claim(key, "crashed-owner", LEASE);
                    backdate(key);
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

                assertThat(results).as("round %d", round)
                        .containsExactlyInAnyOrder(ClaimResult.CLAIMED, ClaimResult.IN_PROGRESS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void twoReceiversSharingTheDatabaseRunEachEventOnceHoweverOftenItIsDelivered() throws Exception {
        int events = 5_000;
        int copies = 3;
        Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        ConnectionPerThreadDataSource dataSourceA = new ConnectionPerThreadDataSource(newDataSource());
        ConnectionPerThreadDataSource dataSourceB = new ConnectionPerThreadDataSource(newDataSource());
        List<WebhookReceiver> receivers = List.of(
                receiver(JdbcIdempotencyStore.builder().dataSource(dataSourceA).build(), runs),
                receiver(JdbcIdempotencyStore.builder().dataSource(dataSourceB).build(), runs));
        List<byte[]> deliveries = new ArrayList<>();
        for (int i = 0; i < events; i++) {
            byte[] body = workflowErrored("instance-" + i);
            for (int copy = 0; copy < copies; copy++) {
                deliveries.add(body);
            }
        }
        Collections.shuffle(deliveries, new Random(42));
        Map<Outcome, AtomicInteger> outcomes = new ConcurrentHashMap<>();
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                WebhookReceiver receiver = receivers.get(t % 2);
                workers.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < deliveries.size(); i = next.getAndIncrement()) {
                        DeliveryResult result = receiver.receive(signed(deliveries.get(i)));
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
            dataSourceA.close();
            dataSourceB.close();
        }

        assertThat(runs).hasSize(events);
        assertThat(runs.values()).allSatisfy(count -> assertThat(count.get()).isEqualTo(1));
        assertThat(outcomes.get(Outcome.PROCESSED).get()).isEqualTo(events);
        assertThat(outcomes.keySet()).isSubsetOf(Outcome.PROCESSED, Outcome.DUPLICATE, Outcome.IN_PROGRESS);
        assertThat(count("state = 'COMPLETED'")).isEqualTo(events);
    }

    @Test
    void whileTheDatabaseIsDownDeliveriesAreAnswered503AndAfterItReturnsProcessedExactlyOnce() {
        Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        WebhookReceiver receiver = receiver(nodeA, runs);
        DeliveryRequest delivery = signed(workflowErrored("during-outage"));
        assertThat(receiver.receive(signed(workflowErrored("before-outage"))).outcome())
                .isEqualTo(Outcome.PROCESSED);

        stopDatabase();
        DeliveryResult duringOutage;
        try {
            duringOutage = receiver.receive(delivery);
            assertThatThrownBy(() -> nodeB.claim("k", "owner", LEASE))
                    .isInstanceOf(StoreUnavailableException.class)
                    .hasMessageStartingWith("idempotency store could not claim a key: database error");
        } finally {
            startDatabase();
        }

        assertThat(duringOutage.outcome()).isEqualTo(Outcome.STORE_UNAVAILABLE);
        assertThat(duringOutage.status()).isEqualTo(503);
        assertThat(runs).doesNotContainKey("during-outage");
        assertThat(receiver.receive(delivery).outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(receiver.receive(delivery).outcome()).isEqualTo(Outcome.DUPLICATE);
        assertThat(runs.get("during-outage").get()).isEqualTo(1);
        assertThat(runs.get("before-outage").get()).isEqualTo(1);
    }

    @Test
    void theTableIsCreatedUnderAnotherNameWhenAskedTo() throws SQLException {
        execute("DROP TABLE IF EXISTS refold_custom_deliveries");
        JdbcIdempotencyStore custom = JdbcIdempotencyStore.builder().dataSource(newDataSource())
                .tableName("refold_custom_deliveries").createTableIfMissing(true).build();

        assertThat(custom.claim("k", "owner-1", LEASE)).isEqualTo(ClaimResult.CLAIMED);
        assertThat(nodeA.claim("k", "owner-2", LEASE)).isEqualTo(ClaimResult.CLAIMED);
        assertThat(custom.toString()).isEqualTo("JdbcIdempotencyStore[table=refold_custom_deliveries, dialect="
                + dialect() + "]");
        execute("DROP TABLE refold_custom_deliveries");
    }

    @Test
    void theDialectIsDetectedFromTheDatabase() {
        JdbcIdempotencyStore detected = JdbcIdempotencyStore.builder().dataSource(newDataSource()).build();
        assertThat(detected.toString()).contains("dialect=auto");

        detected.claim("k", "owner-1", LEASE);

        assertThat(detected.toString()).isEqualTo("JdbcIdempotencyStore[table=" + TABLE + ", dialect="
                + dialect() + "]");
    }

    WebhookReceiver receiver(IdempotencyStore store, Map<String, AtomicInteger> runs) {
        return WebhookReceiver.builder()
                .signingKey("test", API_KEY)
                .idempotencyStore(store)
                .lease(LEASE)
                .retention(RETENTION)
                .onAny((event, context) -> runs.computeIfAbsent(
                        context.idempotencyKey().substring(context.idempotencyKey().lastIndexOf(':') + 1),
                        k -> new AtomicInteger()).incrementAndGet())
                .build();
    }

    static byte[] workflowErrored(String instanceId) {
        String sample = new String(SamplePayloads.of(EventType.WORKFLOW_ERRORED), StandardCharsets.UTF_8);
        return sample.replace("656f308b9144bb8f183bfc7b", instanceId).getBytes(StandardCharsets.UTF_8);
    }

    static DeliveryRequest signed(byte[] body) {
        WebhookSigner signer = WebhookSigner.of(API_KEY);
        return DeliveryRequest.of("POST", Headers.of(signer.headerName(), signer.sign(body)), body);
    }

    // Moves a row's expiry into the past, as if its lease or retention had run out.
    void backdate(String key) throws SQLException {
        execute("UPDATE " + TABLE + " SET expires_at = CURRENT_TIMESTAMP - INTERVAL '1' HOUR"
                + " WHERE idempotency_key = '" + key + "'");
    }

    int count(String condition) throws SQLException {
        try (Connection connection = newDataSource().getConnection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM " + TABLE + " WHERE " + condition)) {
            rows.next();
            return rows.getInt(1);
        }
    }

    void execute(String sql) throws SQLException {
        try (Connection connection = newDataSource().getConnection();
             Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
