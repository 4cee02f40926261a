package ai.refold.webhooks.idempotency;

import ai.refold.webhooks.test.EmbeddedPostgres;
import ai.refold.webhooks.idempotency.JdbcIdempotencyStore.Dialect;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import javax.sql.DataSource;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The inbox against a real PostgreSQL server that the build starts on 127.0.0.1 and stops afterwards. */
class PostgresJdbcInboxStoreTest extends JdbcInboxStoreContract {

    private static EmbeddedPostgres server;

    @BeforeAll
    static void startServer() {
        server = EmbeddedPostgres.start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Override
    DataSource newDataSource() {
        return server.dataSource();
    }

    @Override
    Dialect dialect() {
        return Dialect.POSTGRESQL;
    }

    @Override
    List<String> secrets() {
        return List.of("jdbc:postgresql:", "127.0.0.1:" + server.port(), "user=postgres", "postgres");
    }

    // A worker's take reads the due rows in index order and stops at its limit. Sorting every due row instead made each
    // take cost as much as the backlog is long (4 ms at 20,000 rows, against 0.05 ms), just when a backlog must drain.
    @Test
    void aTakeFromALargeBacklogReadsTheDueRowsInIndexOrderInsteadOfSortingThemAll() throws SQLException {
        insertShuffledBacklog(10_000);

        StringBuilder plan = new StringBuilder();
        try (Connection connection = server.dataSource().getConnection();
             PreparedStatement explain = connection.prepareStatement("EXPLAIN "
                     + InboxStatements.of(Dialect.POSTGRESQL, TABLE).take())) {
            explain.setInt(1, 1);
            explain.setString(2, "owner");
            explain.setLong(3, 10_000);
            try (ResultSet rows = explain.executeQuery()) {
                while (rows.next()) {
                    plan.append(rows.getString(1)).append('\n');
                }
            }
        }

        assertThat(plan.toString()).contains("Index Scan using " + TABLE + "_due_at_idx").doesNotContain("Seq Scan");
    }

    // A take of several rows holds the rows it took while it waits to take one of an ordering key another transaction
    // has taken unseen (the unique index of taken ordered rows); that one then waits for a row the take holds: a
    // deadlock, which PostgreSQL breaks by failing the take (its deadlock check runs first: it waited first). Nothing
    // was taken; a new try sees the other transaction's rows and takes what is free.
    @Test
    void aTakeOfSeveralRowsThatDeadlocksWithAnotherTransactionIsTriedAgain() throws Exception {
        JdbcInboxStore store = store();
        store.offer(entry("u-1", RECEIVED, Optional.empty()));
        store.offer(entry("a-2", RECEIVED.plusSeconds(2), Optional.of("account-a")));
        store.offer(entry("a-1", RECEIVED.plusSeconds(1), Optional.of("account-a")));
        // Due in the order u-1, a-1, a-2: the take locks and takes u-1 before it reaches a-1.
        execute("UPDATE " + TABLE + " SET next_attempt_at = CURRENT_TIMESTAMP - INTERVAL '3 minutes'"
                + " WHERE idempotency_key = 'u-1'");
        execute("UPDATE " + TABLE + " SET next_attempt_at = CURRENT_TIMESTAMP - INTERVAL '2 minutes'"
                + " WHERE idempotency_key = 'a-1'");
        ExecutorService taker = Executors.newSingleThreadExecutor();
        try (Connection other = server.dataSource().getConnection()) {
            other.setAutoCommit(false);
            try (Statement statement = other.createStatement()) {
                statement.execute("SET LOCAL deadlock_timeout = '30s'");
                statement.executeUpdate("UPDATE " + TABLE + " SET state = 'PROCESSING', owner_token = 'unseen',"
                        + " next_attempt_at = CURRENT_TIMESTAMP + INTERVAL '1' HOUR WHERE idempotency_key = 'a-2'");
            }
            long deadlocksBefore = deadlocks();
            Future<List<InboxEntry>> take = taker.submit(() -> store.take("owner-1", 10, Duration.ofMinutes(1)));
            // The other update must start waiting well within the take's deadlock_timeout (1 s) of the take's own
            // wait, so that the take's deadlock check is the one that finds the cycle.
            awaitTakeWaitingForALock();
            assertThat(take).as("the take waits for the other transaction's taken row of account-a").isNotDone();
            try (Statement statement = other.createStatement()) {
                // Returns once the take has failed and let go of u-1.
                statement.executeUpdate("UPDATE " + TABLE + " SET state = 'DONE', owner_token = NULL"
                        + " WHERE idempotency_key = 'u-1'");
            }
            other.commit();

            assertThat(take.get(30, TimeUnit.SECONDS)).as("a-1 waits behind the running a-2; u-1 is done").isEmpty();
            awaitDeadlocksAbove(deadlocksBefore);
        } finally {
            taker.shutdownNow();
        }
        assertThat(count("state = 'PROCESSING'")).as("only the other transaction's row").isEqualTo(1);
        assertThat(count("idempotency_key = 'a-1' AND state = 'PENDING'")).isEqualTo(1);
    }

    // A statement that waits for a lock (a migration's CREATE INDEX or ALTER TABLE holding the table against writers)
    // started its transaction before the wait. Leases measured from CURRENT_TIMESTAMP, that start, were short by the
    // wait: a row taken after waiting a lease long was written with its lease already over, and another instance's
    // worker took it again while the first ran it.
    @Test
    void aTakeOfferOrRenewalThatWaitedForALockHoldsItsWholeLeaseFromWhenItGotIt() throws Exception {
        DataSource database = newDataSource();
        JdbcInboxStore store = store();
        store.offer(entry("due", RECEIVED, Optional.empty()));
        String table = "LOCK TABLE " + TABLE + " IN SHARE ROW EXCLUSIVE MODE";

        Instant released = AfterALock.run(database, table,
                () -> keys(store.take("owner-1", 10, LEASE)), List.of("due"));
        assertThat(leaseEnd("due")).isAfterOrEqualTo(released.plus(LEASE));

        released = AfterALock.run(database, table,
                () -> store.offerTaken(entry("handed-over", RECEIVED, Optional.empty()), "owner-2", LEASE), true);
        assertThat(leaseEnd("handed-over")).isAfterOrEqualTo(released.plus(LEASE));

        released = AfterALock.run(database, table, () -> store.renew("due", "owner-1", LEASE), true);
        assertThat(leaseEnd("due")).isAfterOrEqualTo(released.plus(LEASE));
    }

    // A purge that read a done row past its retention, then waited for the row while an offer of its key replaced it
    // with a new delivery, must not delete that delivery: PostgreSQL rechecks only the DELETE's own conditions against
    // the row as the offer left it, and a key picked by the subquery alone still matched (a delivery answered 200,
    // then lost).
    @Test
    void aPurgeRacingAnOfferThatReplacesAnExpiredDoneRowLeavesTheNewDelivery() throws Exception {
        JdbcInboxStore store = store();
        store.offer(entry("replaced", RECEIVED, Optional.empty()));
        store.take("owner-1", 1, LEASE);
        assertThat(store.done("replaced", "owner-1", Duration.ofMinutes(1))).isTrue();
        advanceTime(Duration.ofMinutes(2));
        String replace = "UPDATE " + TABLE + " SET state = 'PENDING', attempts = 0, next_attempt_at = CURRENT_TIMESTAMP"
                + " WHERE idempotency_key = 'replaced'";

        AfterALock.run(newDataSource(), replace, () -> store.purge(10), 0);

        assertThat(store.find("replaced").orElseThrow().state()).isEqualTo(InboxState.PENDING);
    }

    private Instant leaseEnd(String key) throws SQLException {
        return AfterALock.read(newDataSource(), "next_attempt_at", TABLE, "idempotency_key = '" + key + "'");
    }

    private static List<String> keys(List<InboxEntry> entries) {
        return entries.stream().map(InboxEntry::key).toList();
    }

    private void awaitTakeWaitingForALock() throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (count("pg_stat_activity", "wait_event_type = 'Lock' AND query LIKE 'WITH due AS%'") == 0) {
            assertThat(System.nanoTime() - deadline).as("the take never waited for a lock").isNegative();
            Thread.sleep(5);
        }
    }

    // The database's count of deadlocks it broke, as its statistics report it (they may lag a moment).
    private void awaitDeadlocksAbove(long before) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (deadlocks() <= before) {
            assertThat(System.nanoTime() - deadline).as("no deadlock was reported").isNegative();
            Thread.sleep(50);
        }
    }

    private long deadlocks() throws SQLException {
        try (Connection connection = server.dataSource().getConnection();
             Statement statement = connection.createStatement()) {
            statement.execute("SELECT pg_stat_clear_snapshot()");
            try (ResultSet rows = statement.executeQuery("SELECT deadlocks FROM pg_stat_database"
                    + " WHERE datname = current_database()")) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    private int count(String view, String condition) throws SQLException {
        try (Connection connection = server.dataSource().getConnection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM " + view + " WHERE " + condition)) {
            rows.next();
            return rows.getInt(1);
        }
    }

    private static InboxEntry entry(String key, Instant receivedAt, Optional<String> orderingKey) {
        return InboxEntry.received(key, Optional.of("Workflow Errored"), "live", Map.of(),
                "{}".getBytes(StandardCharsets.UTF_8), receivedAt, orderingKey);
    }

    // Past the limit the done rows are the planner's estimate: close to the truth once the table's statistics are
    // fresh, never below what was counted, and the count itself stops reading at one past the limit.
    @Test
    void pastTheExactCountLimitTheDoneRowsAreEstimatedWithoutReadingThemAll() throws SQLException {
        int done = InboxStats.EXACT_COUNT_LIMIT + 5_000;
        insertRows("done", "DONE", done);
        insertRows("dead", "DEAD", 2);

        InboxStats stale = store().stats();
        assertThat(stale.isEstimated(InboxState.DONE)).isTrue();
        assertThat(stale.count(InboxState.DONE)).as("never below what was counted")
                .isGreaterThan(InboxStats.EXACT_COUNT_LIMIT);
        assertThat(stale.count(InboxState.DEAD)).isEqualTo(2);

        execute("ANALYZE " + TABLE);
        InboxStats fresh = store().stats();
        assertThat(fresh.isEstimated(InboxState.DONE)).isTrue();
        assertThat(fresh.isEstimated(InboxState.DEAD)).isFalse();
        assertThat(fresh.count(InboxState.DONE)).isBetween(done * 95L / 100, done * 105L / 100);
        assertThat(fresh.count(InboxState.DEAD)).isEqualTo(2);

        assertThat(explainAnalyze(InboxStatements.of(Dialect.POSTGRESQL, TABLE).counts()))
                .as("the done rows read by the count")
                .containsPattern("Limit \\(actual rows=" + (InboxStats.EXACT_COUNT_LIMIT + 1) + "(\\.00)? loops=1\\)");
    }

    private String explainAnalyze(String sql) throws SQLException {
        StringBuilder plan = new StringBuilder();
        try (Connection connection = server.dataSource().getConnection();
             PreparedStatement explain = connection.prepareStatement("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql);
             ResultSet rows = explain.executeQuery()) {
            while (rows.next()) {
                plan.append(rows.getString(1)).append('\n');
            }
        }
        return plan.toString();
    }

    // A read-only database answers every read (the oldest due delivery, as a health probe asks) and refuses every
    // delivery. default_transaction_read_only set for a database makes each new connection's transactions read-only, as
    // a hot standby's all are; set for one session, that session's.
    @Test
    void aDatabaseWhoseTransactionsAreReadOnlyFailsTheWritableCheckNamingWhyButNotTheDatabase() throws SQLException {
        execute("CREATE DATABASE refold_read_only");
        PGSimpleDataSource database = (PGSimpleDataSource) server.dataSource();
        database.setDatabaseName("refold_read_only");
        JdbcInboxStore.builder().dataSource(database).createTableIfMissing(true).build().checkWritable();
        execute("ALTER DATABASE refold_read_only SET default_transaction_read_only = on");
        JdbcInboxStore store = JdbcInboxStore.builder().dataSource(database).build();

        assertThat(store.oldestDue()).isEmpty();
        assertThatThrownBy(() -> store.offer(InboxEntry.received("k", Optional.empty(), "live", Map.of(),
                new byte[] {'{', '}'}, RECEIVED))).isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("SQL state 25006");
        assertThatThrownBy(store::checkWritable).isInstanceOf(StoreUnavailableException.class)
                .hasMessage("inbox cannot store deliveries: the database's transactions are read-only"
                        + " (transaction_read_only is on: a hot standby, or default_transaction_read_only)")
                .satisfies(failure -> assertThat(failure.getMessage()).doesNotContain(secrets())
                        .doesNotContain("refold_read_only"));

        JdbcInboxStore sessionReadOnly = JdbcInboxStore.builder().dataSource(new SessionSetting(
                server.dataSource(), "SET default_transaction_read_only = on")).build();
        assertThatThrownBy(sessionReadOnly::checkWritable).isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("read-only");
    }

    /** Opens each connection of a delegate with one setting of its session. */
    private static final class SessionSetting extends TestDataSource {
        private final DataSource delegate;
        private final String setting;

        SessionSetting(DataSource delegate, String setting) {
            this.delegate = delegate;
            this.setting = setting;
        }

        @Override
        public Connection getConnection() throws SQLException {
            Connection connection = delegate.getConnection();
            try (Statement statement = connection.createStatement()) {
                statement.execute(setting);
            }
            return connection;
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            return getConnection();
        }
    }

    @Override
    void stopDatabase() {
        server.stopServer();
    }

    @Override
    void startDatabase() {
        server.startServer();
    }
}
