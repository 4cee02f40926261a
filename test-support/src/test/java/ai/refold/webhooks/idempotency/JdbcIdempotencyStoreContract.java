package ai.refold.webhooks.idempotency;

import ai.refold.webhooks.idempotency.JdbcIdempotencyStore.Dialect;
import ai.refold.webhooks.test.IdempotencyStoreContract;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every database behind {@link JdbcIdempotencyStore} must do: the {@link IdempotencyStoreContract} every store
 * runs, and what only the JDBC store has (its table, purging, dialects, the database's clock). Two "nodes" are two
 * stores on two independent data sources pointing at one database, as two instances of a receiver would be; time
 * passes by moving the rows' expiry into the past, as the database's clock moving on would.
 */
abstract class JdbcIdempotencyStoreContract extends IdempotencyStoreContract {

    static final String TABLE = JdbcIdempotencyStore.DEFAULT_TABLE_NAME;

    private final List<ConnectionPerThreadDataSource> pooled = new CopyOnWriteArrayList<>();
    private int nodes;

    /** Returns a new, independent data source for one node. */
    abstract DataSource newDataSource();

    /** Returns the dialect the database speaks. */
    abstract Dialect dialect();

    /** Makes the database unreachable for every data source. */
    abstract void stopDatabase();

    /** Makes the database reachable again, with its rows intact. */
    abstract void startDatabase();

    // The first node of a test detects the dialect and creates the table if missing; the others are told the dialect.
    @Override
    protected IdempotencyStore newNode() {
        JdbcIdempotencyStore.Builder builder = JdbcIdempotencyStore.builder().dataSource(newDataSource());
        return (nodes++ == 0 ? builder.createTableIfMissing(true) : builder.dialect(dialect())).build();
    }

    // A new PostgreSQL connection per operation would make 15,000 deliveries slow: each thread keeps one.
    @Override
    protected IdempotencyStore newNodeUnderLoad() {
        ConnectionPerThreadDataSource dataSource = new ConnectionPerThreadDataSource(newDataSource());
        pooled.add(dataSource);
        return JdbcIdempotencyStore.builder().dataSource(dataSource).build();
    }

    @Override
    protected void advanceTime(Duration duration) {
        try (Connection connection = newDataSource().getConnection();
             PreparedStatement statement = connection.prepareStatement("UPDATE " + TABLE
                     + " SET expires_at = " + earlier("expires_at"))) {
            statement.setLong(1, duration.toMillis());
            statement.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("could not move the rows' expiry", e);
        }
    }

    @Override
    protected void stopStore() {
        stopDatabase();
    }

    @Override
    protected void startStore() {
        startDatabase();
    }

    @BeforeEach
    void emptyTable() throws SQLException {
        JdbcIdempotencyStore.builder().dataSource(newDataSource()).createTableIfMissing(true).build().purgeExpired(1);
        execute("DELETE FROM " + TABLE);
    }

    @AfterEach
    void closePooledConnections() throws SQLException {
        for (ConnectionPerThreadDataSource dataSource : pooled) {
            dataSource.close();
        }
    }

    @Test
    void leaseAndRetentionAreMeasuredFromTheDatabaseClock() throws SQLException {
        JdbcIdempotencyStore store = store();
        store.claim("leased", "owner-1", Duration.ofHours(1));
        store.claim("kept", "owner-2", LEASE);
        store.complete("kept", "owner-2", Duration.ofDays(2));

        assertThat(count("idempotency_key = 'leased' AND state = 'PROCESSING'"
                + " AND expires_at > CURRENT_TIMESTAMP + INTERVAL '59' MINUTE"
                + " AND expires_at <= CURRENT_TIMESTAMP + INTERVAL '61' MINUTE")).isEqualTo(1);
        assertThat(count("idempotency_key = 'kept' AND state = 'COMPLETED' AND owner_token IS NULL"
                + " AND expires_at > CURRENT_TIMESTAMP + INTERVAL '47' HOUR"
                + " AND expires_at <= CURRENT_TIMESTAMP + INTERVAL '49' HOUR")).isEqualTo(1);
    }

    @Test
    void aKeyLongerThanTheColumnIsKeptHashedAndApartFromOthers() throws SQLException {
        String tooLong = "k".repeat(IdempotencyKeyExtractor.MAX_LENGTH + 1);
        JdbcIdempotencyStore store = store();

        assertThat(store.claim(tooLong, "owner-1", LEASE)).isEqualTo(ClaimResult.CLAIMED);
        assertThat(store.claim(tooLong + "k", "owner-2", LEASE)).isEqualTo(ClaimResult.CLAIMED);
        assertThat(store.complete(tooLong, "owner-1", RETENTION)).isTrue();
        assertThat(store.claim(tooLong, "owner-3", LEASE)).isEqualTo(ClaimResult.COMPLETED);
        assertThat(count("idempotency_key LIKE '" + IdempotencyKeyExtractor.HASHED_KEY_PREFIX + "%'")).isEqualTo(2);
    }

    @Test
    void purgeDeletesSettledRowsPastRetentionAndClaimsADayPastTheirLeaseAtMostOneBatchAtATime()
            throws SQLException {
        JdbcIdempotencyStore nodeA = store();
        JdbcIdempotencyStore nodeB = store();
        for (int i = 0; i < 12; i++) {
            nodeA.claim("expired-" + i, "owner", LEASE);
            if (i % 2 == 0) {
                nodeA.complete("expired-" + i, "owner", RETENTION);
            }
        }
        advanceTime(RETENTION.plusHours(1));
        nodeA.claim("crashed-an-hour-ago", "owner", LEASE);
        advanceTime(Duration.ofHours(1));
        nodeA.claim("live-processing", "owner", LEASE);
        nodeA.claim("live-completed", "owner", LEASE);
        nodeA.complete("live-completed", "owner", RETENTION);

        assertThat(nodeB.purgeExpired(5)).isEqualTo(5);
        assertThat(count("1 = 1")).isEqualTo(10);
        assertThat(nodeB.purgeExpired(5)).isEqualTo(5);
        assertThat(nodeB.purgeExpired(5)).isEqualTo(2);
        assertThat(nodeB.purgeExpired(5)).isZero();

        assertThat(count("1 = 1")).isEqualTo(3);
        assertThat(nodeB.claim("crashed-an-hour-ago", "other", LEASE)).isEqualTo(ClaimResult.RECLAIMED);
        assertThat(nodeB.claim("live-processing", "other", LEASE)).isEqualTo(ClaimResult.IN_PROGRESS);
        assertThat(nodeB.claim("live-completed", "other", LEASE)).isEqualTo(ClaimResult.COMPLETED);
        assertThatThrownBy(() -> nodeB.purgeExpired(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void whileTheDatabaseIsDownTheStoreReportsADatabaseErrorNamingTheOperation() {
        JdbcIdempotencyStore store = store();
        store.claim("k", "owner", LEASE);

        stopDatabase();
        try {
            assertThatThrownBy(() -> store.claim("other", "owner", LEASE))
                    .isInstanceOf(StoreUnavailableException.class)
                    .hasMessageStartingWith("idempotency store could not claim a key: database error");
            assertThatThrownBy(() -> store.complete("k", "owner", RETENTION))
                    .isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining(": database error");
            assertThatThrownBy(() -> store.release("k", "owner"))
                    .isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining(": database error");
        } finally {
            startDatabase();
        }
    }

    @Test
    void theTableIsCreatedUnderAnotherNameWhenAskedTo() throws SQLException {
        execute("DROP TABLE IF EXISTS refold_custom_deliveries");
        JdbcIdempotencyStore custom = JdbcIdempotencyStore.builder().dataSource(newDataSource())
                .tableName("refold_custom_deliveries").createTableIfMissing(true).build();

        assertThat(custom.claim("k", "owner-1", LEASE)).isEqualTo(ClaimResult.CLAIMED);
        assertThat(store().claim("k", "owner-2", LEASE)).isEqualTo(ClaimResult.CLAIMED);
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

    @Test
    void aClaimWhoseAnswerWasLostDoesNotHoldItsKeyForALease() {
        // The claim reached the database, then the connection broke before the store learnt so (in the commit, or
        // in H2's read-back; PostgreSQL's claim returns its answer with the commit): the delivery is
        // answered 503, and Refold's retry a second later must be processed, not answered 409 until the lease ends.
        String[][] faults = {{"commit", "false"}, {"executeQuery", "true"}, {"executeQuery", "false"}};
        for (String[] fault : faults) {
            String key = "lost-" + fault[0] + "-" + fault[1];
            FaultyDataSource faulty = new FaultyDataSource(newDataSource(), Boolean.parseBoolean(fault[1]));
            JdbcIdempotencyStore lost = JdbcIdempotencyStore.builder().dataSource(faulty).dialect(dialect()).build();
            faulty.failAfter(fault[0]);

            assertThatThrownBy(() -> lost.claim(key, "first-attempt", Duration.ofMinutes(5)))
                    .as(key).isInstanceOf(StoreUnavailableException.class);

            // RECLAIMED if the claim had been committed (the retry is told it may be a rerun), CLAIMED if not
            assertThat(store().claim(key, "retry", LEASE)).as(key).isIn(ClaimResult.RECLAIMED, ClaimResult.CLAIMED);
            assertThat(faulty.open()).as(key).isZero();
        }
    }

    @Test
    void eightInstancesRacingForOneKeyWhilePurgeRunsHaveExactlyOneWinner() throws Exception {
        int instances = 8;
        List<JdbcIdempotencyStore> stores = new java.util.ArrayList<>();
        for (int i = 0; i < instances; i++) {
            stores.add(store());
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(instances + 1);
        try {
            for (int round = 0; round < 40; round++) {
                String key = "race8-" + round;
                int kind = round % 4;
                if (kind == 1) { // an expired claim
                    store().claim(key, "crashed", LEASE);
                    advanceTime(LEASE.plusSeconds(5));
                } else if (kind == 2) { // a completed row past its retention, which purge may delete meanwhile
                    store().claim(key, "done", LEASE);
                    store().complete(key, "done", LEASE);
                    advanceTime(LEASE.plusSeconds(5));
                } else if (kind == 3) { // a release with progress
                    store().claim(key, "failed", LEASE);
                    store().release(key, "failed", java.util.Set.of("h"), RETENTION);
                }
                java.util.concurrent.CyclicBarrier barrier = new java.util.concurrent.CyclicBarrier(instances + 1);
                List<java.util.concurrent.Future<ClaimResult>> claims = new java.util.ArrayList<>();
                for (int i = 0; i < instances; i++) {
                    JdbcIdempotencyStore node = stores.get(i);
                    String owner = "owner-" + i;
                    claims.add(pool.submit(() -> {
                        barrier.await(20, java.util.concurrent.TimeUnit.SECONDS);
                        return node.claim(key, owner, LEASE);
                    }));
                }
                java.util.concurrent.Future<Integer> purge = pool.submit(() -> {
                    barrier.await(20, java.util.concurrent.TimeUnit.SECONDS);
                    return stores.get(0).purgeExpired(100);
                });
                List<ClaimResult> results = new java.util.ArrayList<>();
                for (java.util.concurrent.Future<ClaimResult> claim : claims) {
                    results.add(claim.get(60, java.util.concurrent.TimeUnit.SECONDS));
                }
                purge.get(60, java.util.concurrent.TimeUnit.SECONDS);

                ClaimResult winner = kind == 1 ? ClaimResult.RECLAIMED : kind == 3 ? ClaimResult.RESUMED
                        : ClaimResult.CLAIMED;
                assertThat(results).as("round %d", round).containsOnlyOnce(winner)
                        .filteredOn(r -> r != winner).containsOnly(ClaimResult.IN_PROGRESS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aConnectionThatFailsToCloseAfterItsWorkCommittedLeavesTheAnswerStanding() {
        // What the operation did is committed: a failed close changes none of it, so the claim is held and its
        // handlers run (no 503), completion is recorded (no false "taken over" warning), and so on.
        for (boolean autoCommit : new boolean[] {true, false}) {
            String key = "close-" + autoCommit;
            FaultyDataSource faulty = new FaultyDataSource(newDataSource(), autoCommit);
            JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(faulty).dialect(dialect()).build();

            assertThat(store.claim(key, "owner", LEASE)).isEqualTo(ClaimResult.CLAIMED);
            faulty.failAfter("close");
            assertThat(store.renew(key, "owner", LEASE)).isTrue();
            faulty.failAfter("close");
            assertThat(store.complete(key, "owner", RETENTION)).isTrue();
            faulty.failAfter("close");
            assertThat(store.claim(key, "copy", LEASE)).isEqualTo(ClaimResult.COMPLETED);
            faulty.failAfter("close");
            assertThat(store.claim(key + "-2", "owner", LEASE)).isEqualTo(ClaimResult.CLAIMED);
            assertThat(store().claim(key + "-2", "copy", LEASE)).isEqualTo(ClaimResult.IN_PROGRESS);
            assertThat(faulty.open()).isZero();
        }
    }

    @Test
    void noConnectionIsLeftOpenWhereverTheDatabaseFails() {
        List<String> methods = List.of("prepareStatement", "setString", "executeUpdate", "executeQuery", "commit",
                "rollback", "getAutoCommit", "close");
        for (boolean autoCommit : new boolean[] {true, false}) {
            for (String method : methods) {
                for (boolean after : new boolean[] {false, true}) {
                    String what = method + (after ? " (after)" : " (before)") + " autoCommit=" + autoCommit;
                    FaultyDataSource faulty = new FaultyDataSource(newDataSource(), autoCommit);
                    JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(faulty)
                            .dialect(dialect()).build();
                    List<Runnable> operations = List.of(
                            () -> store.claim("leak-" + what, "owner", LEASE),
                            () -> store.renew("leak-" + what, "owner", LEASE),
                            () -> store.release("leak-" + what, "owner", java.util.Set.of("a"), RETENTION),
                            () -> store.complete("leak-" + what, "owner", RETENTION),
                            () -> store.doneHandlers("leak-" + what),
                            () -> store.leaseRemaining("leak-" + what),
                            () -> store.release("leak-" + what, "owner"),
                            () -> store.purgeExpired(10));
                    for (Runnable operation : operations) {
                        if (after) {
                            faulty.failAfter(method);
                        } else {
                            faulty.failBefore(method);
                        }
                        try {
                            operation.run();
                        } catch (StoreUnavailableException expected) {
                            assertThat(expected.getMessage()).as(what).doesNotContain("injected");
                        }
                        assertThat(faulty.open()).as(what).isZero();
                        assertThat(faulty.closed).as(what).allSatisfy(closed ->
                                assertThat(closed.autoCommit()).isEqualTo(autoCommit));
                    }
                }
            }
        }
    }

    @Test
    void instancesCreatingTheTableAtTheSameMomentAllGetIt() throws Exception {
        int instances = 6;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(instances);
        try {
            for (int round = 0; round < 5; round++) {
                String table = "refold_race_table_" + round;
                execute("DROP TABLE IF EXISTS " + table);
                java.util.concurrent.CyclicBarrier barrier = new java.util.concurrent.CyclicBarrier(instances);
                List<java.util.concurrent.Future<ClaimResult>> claims = new java.util.ArrayList<>();
                for (int i = 0; i < instances; i++) {
                    String owner = "owner-" + i;
                    JdbcIdempotencyStore node = JdbcIdempotencyStore.builder().dataSource(newDataSource())
                            .tableName(table).createTableIfMissing(true).build();
                    claims.add(pool.submit(() -> {
                        barrier.await(20, java.util.concurrent.TimeUnit.SECONDS);
                        return node.claim("k", owner, LEASE);
                    }));
                }
                List<ClaimResult> results = new java.util.ArrayList<>();
                for (java.util.concurrent.Future<ClaimResult> claim : claims) {
                    results.add(claim.get(60, java.util.concurrent.TimeUnit.SECONDS));
                }
                assertThat(results).as("round %d", round).containsOnlyOnce(ClaimResult.CLAIMED)
                        .filteredOn(r -> r != ClaimResult.CLAIMED).containsOnly(ClaimResult.IN_PROGRESS);
                execute("DROP TABLE " + table);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void keysThatDifferOnlyInCaseSpacesOrNormalisationStayApartUpToTheFullWidth() {
        String emoji = "\uD83D\uDE00";
        List<String> keys = List.of("odd-k", "odd-k ", "odd-K", "odd-k\t", "odd-\u0137", "odd-k\u0327",
                "odd-'; DROP TABLE x; --", "odd-%_\\", emoji.repeat(100), "\u20AC".repeat(200),
                "\u20AC".repeat(199) + "x", "a".repeat(199) + emoji.substring(0, 1));
        JdbcIdempotencyStore nodeA = store();
        JdbcIdempotencyStore nodeB = store();
        for (String key : keys) {
            assertThat(nodeA.claim(key, "owner-a", LEASE)).as(key).isEqualTo(ClaimResult.CLAIMED);
        }
        for (String key : keys) {
            assertThat(nodeB.claim(key, "owner-b", LEASE)).as(key).isEqualTo(ClaimResult.IN_PROGRESS);
            assertThat(nodeA.complete(key, "owner-a", RETENTION)).as(key).isTrue();
            assertThat(nodeB.claim(key, "owner-b", LEASE)).as(key).isEqualTo(ClaimResult.COMPLETED);
        }
    }

    private JdbcIdempotencyStore store() {
        return JdbcIdempotencyStore.builder().dataSource(newDataSource()).dialect(dialect()).build();
    }

    // `column` moved a number of milliseconds (the statement's one parameter) into the past, in the dialect's SQL.
    private String earlier(String column) {
        switch (dialect()) {
            case POSTGRESQL:
                return column + " - CAST(? AS BIGINT) * INTERVAL '1 millisecond'";
            default:
                return "DATEADD(MILLISECOND, -CAST(? AS BIGINT), " + column + ")";
        }
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
