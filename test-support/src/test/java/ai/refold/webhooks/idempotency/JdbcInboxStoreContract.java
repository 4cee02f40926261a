package ai.refold.webhooks.idempotency;

import ai.refold.webhooks.idempotency.JdbcIdempotencyStore.Dialect;
import ai.refold.webhooks.test.InboxStoreContract;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.sql.DataSource;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every database behind {@link JdbcInboxStore} must do: the {@link InboxStoreContract} every inbox store runs,
 * and what only the JDBC store has (its table, dialects, the database's clock, failures that name no secret). Two
 * "nodes" are two stores on two independent data sources pointing at one database, as two instances of a receiver
 * would be; time passes by moving every row's {@code next_attempt_at} (due time, lease end or retention end) into the
 * past, as the database's clock moving on would. {@code received_at} stays: it is the receiving instance's clock.
 */
abstract class JdbcInboxStoreContract extends InboxStoreContract {

    static final String TABLE = JdbcInboxStore.DEFAULT_TABLE_NAME;
    static final String PASSWORD = "do-not-leak-inbox-password";

    static final Instant RECEIVED = Instant.parse("2026-11-01T09:30:00Z");
    private int nodes;

    /** Returns a new, independent data source for one node. */
    abstract DataSource newDataSource();

    /** Returns the dialect the database speaks. */
    abstract Dialect dialect();

    /** Returns what a failure message must never hold: the URL, the user and the password of the data source. */
    abstract List<String> secrets();

    /** Makes the database unreachable for every data source. */
    abstract void stopDatabase();

    /** Makes the database reachable again, with its rows intact. */
    abstract void startDatabase();

    // The first node of a test detects the dialect and creates the table if missing; the others are told the dialect.
    @Override
    protected InboxStore newNode() {
        JdbcInboxStore.Builder builder = JdbcInboxStore.builder().dataSource(newDataSource());
        return (nodes++ == 0 ? builder.createTableIfMissing(true) : builder.dialect(dialect())).build();
    }

    @Override
    protected void advanceTime(Duration duration) {
        try (Connection connection = newDataSource().getConnection();
             PreparedStatement statement = connection.prepareStatement("UPDATE " + TABLE
                     + " SET next_attempt_at = " + earlier("next_attempt_at"))) {
            statement.setLong(1, duration.toMillis());
            statement.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("could not move the rows' due times", e);
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

    // The contract expects an empty inbox: take, list, purge and stats see every row.
    @BeforeEach
    void emptyTable() throws SQLException {
        JdbcInboxStore.builder().dataSource(newDataSource()).createTableIfMissing(true).build().stats();
        execute("DELETE FROM " + TABLE);
    }

    @Test
    void dueTimesLeasesAndRetentionAreMeasuredFromTheDatabaseClock() throws SQLException {
        JdbcInboxStore store = store();
        for (String key : List.of("leased", "retried", "done")) {
            store.offer(entry(key, Optional.of("Workflow Errored"), "{}"));
            store.take("owner-" + key, 1, Duration.ofHours(1));
        }
        store.retry("retried", "owner-retried", Duration.ofMinutes(10), Set.of(), "error");
        store.done("done", "owner-done", Duration.ofDays(2));

        assertThat(count("idempotency_key = 'leased' AND state = 'PROCESSING' AND owner_token = 'owner-leased'"
                + " AND next_attempt_at > CURRENT_TIMESTAMP + INTERVAL '59' MINUTE"
                + " AND next_attempt_at <= CURRENT_TIMESTAMP + INTERVAL '61' MINUTE")).isEqualTo(1);
        assertThat(count("idempotency_key = 'retried' AND state = 'PENDING' AND owner_token IS NULL"
                + " AND next_attempt_at > CURRENT_TIMESTAMP + INTERVAL '9' MINUTE"
                + " AND next_attempt_at <= CURRENT_TIMESTAMP + INTERVAL '11' MINUTE")).isEqualTo(1);
        assertThat(count("idempotency_key = 'done' AND state = 'DONE' AND owner_token IS NULL"
                + " AND next_attempt_at > CURRENT_TIMESTAMP + INTERVAL '47' HOUR"
                + " AND next_attempt_at <= CURRENT_TIMESTAMP + INTERVAL '49' HOUR")).isEqualTo(1);
    }

    // Two takers that cannot see each other's take: an earlier row of an ordering key stored late, free as far as this
    // take can see, while another connection has taken a later row of that key and not yet committed. The unique index
    // of taken ordered rows makes the take wait for that commit and fail, and its second try sees the other row taken.
    @Test
    void aTakeRacingAnUncommittedTakeOfItsOrderingKeyTakesNothingRatherThanASecondRowOfTheKey() throws Exception {
        JdbcInboxStore store = store();
        store.offer(InboxEntry.received("x-2", Optional.of("Workflow Errored"), "live", Map.of(),
                "{}".getBytes(StandardCharsets.UTF_8), RECEIVED.plusSeconds(1), Optional.of("account-x")));
        store.offer(InboxEntry.received("x-1", Optional.of("Workflow Errored"), "live", Map.of(),
                "{}".getBytes(StandardCharsets.UTF_8), RECEIVED, Optional.of("account-x")));
        ExecutorService taker = Executors.newSingleThreadExecutor();
        try (Connection other = newDataSource().getConnection()) {
            other.setAutoCommit(false);
            try (Statement statement = other.createStatement()) {
                // Taken as a take would leave it: held for a lease from now.
                statement.executeUpdate("UPDATE " + TABLE + " SET state = 'PROCESSING', owner_token = 'unseen',"
                        + " next_attempt_at = CURRENT_TIMESTAMP + INTERVAL '1' HOUR WHERE idempotency_key = 'x-2'");
            }
            Future<List<InboxEntry>> take = taker.submit(() -> store.take("owner-1", 10, LEASE));
            Thread.sleep(300);
            assertThat(take).as("the take waits for the other one's commit").isNotDone();
            other.commit();

            assertThat(take.get(30, TimeUnit.SECONDS)).isEmpty();
        } finally {
            taker.shutdownNow();
        }
        assertThat(count("idempotency_key = 'x-1' AND state = 'PENDING'")).isEqualTo(1);
        assertThat(count("idempotency_key = 'x-2' AND state = 'PROCESSING' AND owner_token = 'unseen'")).isEqualTo(1);
    }

    // On a large analysed table PostgreSQL joins the locked batch back by hashing, so rows come out of an UPDATE in
    // the table's order unless the statement sorts them; a worker taking one at a time would never notice.
    @Test
    void aTakeOfHundredsOfRowsFromALargeTableReturnsThemOldestDueFirst() throws SQLException {
        int rows = 10_000;
        insertShuffledBacklog(rows);

        List<InboxEntry> taken = store().take("owner", 400, LEASE);

        assertThat(taken).hasSize(400);
        List<Long> lateness = taken.stream().map(entry -> Long.parseLong(entry.key().substring("bulk-".length()))
                * 7919L % rows).toList();
        assertThat(lateness).isSorted().startsWith(0L, 1L, 2L);
    }

    // A gauge scrape must not read every done row (all those kept for their retention): up to the limit every state is
    // counted exactly, whatever the dialect.
    @Test
    void statsCountEveryStateExactlyUpToTheExactCountLimit() throws SQLException {
        insertRows("done", "DONE", InboxStats.EXACT_COUNT_LIMIT);
        insertRows("dead", "DEAD", 2);
        insertRows("pending", "PENDING", 3);

        InboxStats stats = store().stats();

        assertThat(stats.count(InboxState.DONE)).isEqualTo(InboxStats.EXACT_COUNT_LIMIT);
        assertThat(stats.count(InboxState.DEAD)).isEqualTo(2);
        assertThat(stats.count(InboxState.PENDING)).isEqualTo(3);
        assertThat(stats.count(InboxState.PROCESSING)).isZero();
        assertThat(stats.estimated()).isEmpty();
    }

    /** Inserts {@code rows} rows {@code <prefix>-<i>} in {@code state}, due (or kept) until a day from now. */
    void insertRows(String prefix, String state, int rows) throws SQLException {
        try (Connection connection = newDataSource().getConnection();
             PreparedStatement insert = connection.prepareStatement("INSERT INTO " + TABLE + " (idempotency_key,"
                     + " key_label, headers, body, received_at, state, attempts, next_attempt_at, rerun)"
                     + " VALUES (?, 'live', '{}', ?, ?, ?, 0, ?, FALSE)")) {
            connection.setAutoCommit(false);
            OffsetDateTime tomorrow = OffsetDateTime.now(ZoneOffset.UTC).plusDays(1);
            for (int i = 0; i < rows; i++) {
                insert.setString(1, prefix + "-" + i);
                insert.setBytes(2, new byte[] {(byte) i});
                insert.setObject(3, OffsetDateTime.ofInstant(RECEIVED, ZoneOffset.UTC));
                insert.setString(4, state);
                insert.setObject(5, tomorrow);
                insert.addBatch();
            }
            insert.executeBatch();
            connection.commit();
        }
    }

    /** Inserts pending rows {@code bulk-<i>}, row i due (i * 7919 mod rows) seconds after a month ago; analyses. */
    void insertShuffledBacklog(int rows) throws SQLException {
        Instant longAgo = Instant.now().minus(Duration.ofDays(30));
        try (Connection connection = newDataSource().getConnection();
             PreparedStatement insert = connection.prepareStatement("INSERT INTO " + TABLE + " (idempotency_key,"
                     + " key_label, headers, body, received_at, state, attempts, next_attempt_at, rerun)"
                     + " VALUES (?, 'live', '{}', ?, ?, 'PENDING', 0, ?, FALSE)")) {
            connection.setAutoCommit(false);
            for (int i = 0; i < rows; i++) {
                // due times shuffled against insertion order: row i became due (i * 7919 mod rows) seconds late
                insert.setString(1, "bulk-" + i);
                insert.setBytes(2, new byte[] {(byte) i});
                insert.setObject(3, OffsetDateTime.ofInstant(RECEIVED, ZoneOffset.UTC));
                insert.setObject(4, OffsetDateTime.ofInstant(longAgo.plusSeconds(i * 7919L % rows), ZoneOffset.UTC));
                insert.addBatch();
            }
            insert.executeBatch();
            connection.commit();
        }
        execute(dialect() == Dialect.POSTGRESQL ? "ANALYZE " + TABLE : "ANALYZE TABLE " + TABLE);
    }

    @Test
    void aKeyLongerThanTheColumnIsKeptHashedAndApartFromOthers() throws SQLException {
        String tooLong = "k".repeat(IdempotencyKeyExtractor.MAX_LENGTH + 1);
        JdbcInboxStore store = store();

        assertThat(store.offer(entry(tooLong, Optional.empty(), "{\"n\":1}"))).isTrue();
        assertThat(store.offer(entry(tooLong + "k", Optional.empty(), "{\"n\":2}"))).isTrue();
        assertThat(store.offer(entry(tooLong, Optional.empty(), "{\"n\":3}"))).isFalse();

        assertThat(store.find(tooLong).orElseThrow().body()).isEqualTo("{\"n\":1}".getBytes(StandardCharsets.UTF_8));
        assertThat(count("idempotency_key LIKE '" + IdempotencyKeyExtractor.HASHED_KEY_PREFIX + "%'")).isEqualTo(2);
        InboxEntry taken = store.take("owner", 1, LEASE).get(0);
        assertThat(taken.key()).startsWith(IdempotencyKeyExtractor.HASHED_KEY_PREFIX);
        assertThat(store.done(taken.key(), "owner", RETENTION)).isTrue();
        assertThat(store.find(tooLong).orElseThrow().state()).isEqualTo(InboxState.DONE);
    }

    // A take that fails having taken nothing because the database broke a lock cycle (40P01 on PostgreSQL) or ended the
    // transaction as a serialization failure (40001: H2's "Deadlock detected" among workers taking ordered rows, or
    // PostgreSQL under repeatable read) is tried again, as the next poll would, without the poll interval's wait.
    @ParameterizedTest
    @ValueSource(strings = {"40P01", "40001"})
    void aTakeTheDatabaseEndsAsADeadlockOrASerializationFailureIsTriedAgain(String sqlState) throws SQLException {
        FaultyDataSource faulty = new FaultyDataSource(newDataSource(), true);
        JdbcInboxStore store = JdbcInboxStore.builder().dataSource(faulty).dialect(dialect()).build();
        assertThat(store.offer(entry("retried-take", Optional.empty(), "{}"))).isTrue();

        faulty.failBefore("executeQuery", sqlState);
        List<InboxEntry> taken = store.take("owner", 1, LEASE);

        assertThat(taken).extracting(InboxEntry::key).containsExactly("retried-take");
        assertThat(store.find("retried-take").orElseThrow().state()).isEqualTo(InboxState.PROCESSING);
    }

    @Test
    void theTableIsCreatedUnderAnotherNameWhenAskedTo() throws SQLException {
        execute("DROP TABLE IF EXISTS refold_custom_inbox");
        JdbcInboxStore custom = JdbcInboxStore.builder().dataSource(newDataSource()).tableName("refold_custom_inbox")
                .createTableIfMissing(true).build();

        assertThat(custom.offer(entry("k", Optional.empty(), "{}"))).isTrue();
        assertThat(custom.take("owner", 1, LEASE)).hasSize(1);
        assertThat(store().offer(entry("k", Optional.empty(), "{}"))).isTrue();
        assertThat(custom.tableName()).isEqualTo("refold_custom_inbox");
        assertThat(custom.toString()).isEqualTo("JdbcInboxStore[table=refold_custom_inbox, dialect=" + dialect()
                + "]");
        execute("DROP TABLE refold_custom_inbox");
    }

    // The schema as it was before ordering: created on first use, the store adds what it lacks, and keeps its rows.
    @Test
    void aTableCreatedBeforeTheOrderingKeyGetsItOnFirstUseAndKeepsItsRows() throws SQLException {
        execute("DROP TABLE IF EXISTS refold_older_inbox");
        execute("CREATE TABLE refold_older_inbox (idempotency_key VARCHAR(200) NOT NULL PRIMARY KEY,"
                + " event_type VARCHAR(100), key_label VARCHAR(200) NOT NULL, headers VARCHAR NOT NULL, body "
                + (dialect() == Dialect.POSTGRESQL ? "BYTEA" : "BLOB") + " NOT NULL,"
                + " received_at TIMESTAMP WITH TIME ZONE NOT NULL, state VARCHAR(16) NOT NULL,"
                + " attempts INTEGER NOT NULL, next_attempt_at TIMESTAMP WITH TIME ZONE NOT NULL,"
                + " owner_token VARCHAR(200), rerun BOOLEAN NOT NULL, done_handlers VARCHAR, last_error VARCHAR(1000))");
        execute("INSERT INTO refold_older_inbox (idempotency_key, key_label, headers, body, received_at, state,"
                + " attempts, next_attempt_at, rerun) VALUES ('stored-before', 'live', '{}', "
                + (dialect() == Dialect.POSTGRESQL ? "'\\x7b7d'" : "X'7B7D'") + ","
                + " CURRENT_TIMESTAMP, 'PENDING', 0, CURRENT_TIMESTAMP, FALSE)");
        try {
            JdbcInboxStore upgraded = JdbcInboxStore.builder().dataSource(newDataSource())
                    .tableName("refold_older_inbox").createTableIfMissing(true).build();

            assertThat(upgraded.offer(InboxEntry.received("ordered", Optional.empty(), "live", Map.of(),
                    "{}".getBytes(StandardCharsets.UTF_8), RECEIVED, Optional.of("account-x")))).isTrue();
            assertThat(upgraded.take("owner", 10, LEASE)).extracting(InboxEntry::key)
                    .containsExactlyInAnyOrder("stored-before", "ordered");
            assertThat(upgraded.find("ordered").orElseThrow().orderingKey()).contains("account-x");
        } finally {
            execute("DROP TABLE refold_older_inbox");
        }
    }

    // Every instance runs the schema on first use: on a table that has everything, none of it may wait for the
    // transactions open on the table (PostgreSQL locks the whole table for ALTER TABLE, even for a column there).
    @Test
    void anInstanceStartingOnAnUpToDateTableDoesNotWaitForTransactionsOpenOnIt() throws Exception {
        assertThat(store().offer(entry("before", Optional.empty(), "{}"))).isTrue();
        ExecutorService starter = Executors.newSingleThreadExecutor();
        try (Connection reader = newDataSource().getConnection()) {
            reader.setAutoCommit(false);
            try (Statement statement = reader.createStatement();
                 ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM " + TABLE)) {
                assertThat(rows.next()).isTrue();
            }
            Future<Boolean> started = starter.submit(() -> JdbcInboxStore.builder().dataSource(newDataSource())
                    .createTableIfMissing(true).build().offer(entry("after", Optional.empty(), "{}")));

            assertThat(started.get(5, TimeUnit.SECONDS)).isTrue();
            reader.rollback();
        } finally {
            starter.shutdownNow();
        }
    }

    @Test
    void theDialectIsDetectedFromTheDatabaseAndToStringShowsOnlyTheTableAndDialect() {
        JdbcInboxStore detected = JdbcInboxStore.builder().dataSource(newDataSource()).build();
        assertThat(detected.toString()).isEqualTo("JdbcInboxStore[table=" + TABLE + ", dialect=auto]");

        detected.offer(entry("k", Optional.empty(), "{}"));

        assertThat(detected.toString()).isEqualTo("JdbcInboxStore[table=" + TABLE + ", dialect=" + dialect() + "]");
        assertThat(detected.find("k")).isPresent();
    }

    @Test
    void whileTheDatabaseIsDownEveryFailureNamesTheOperationButNeverTheUrlUserPasswordOrBody() {
        JdbcInboxStore store = store();
        String body = "{\"secret\":\"body-must-not-leak\"}";
        store.offer(entry("held", Optional.empty(), body));
        store.take("owner", 1, LEASE);

        Map<String, Executable> operations = new LinkedHashMap<>();
        operations.put("store a delivery", () -> store.offer(entry("new", Optional.empty(), body)));
        operations.put("take due deliveries", () -> store.take("owner", 1, LEASE));
        operations.put("renew a delivery", () -> store.renew("held", "owner", LEASE));
        operations.put("mark a delivery done", () -> store.done("held", "owner", RETENTION));
        operations.put("schedule a delivery's retry", () -> store.retry("held", "owner", LEASE, Set.of(), body));
        operations.put("mark a delivery dead", () -> store.dead("held", "owner", Set.of(), body));
        operations.put("give up on a delivery", () -> store.giveUp("held", "owner", Set.of(), body));
        operations.put("release a delivery", () -> store.release("held", "owner"));
        operations.put("read a delivery", () -> store.find("held"));
        operations.put("list deliveries", () -> store.list(InboxQuery.deadLetters()));
        operations.put("replay dead deliveries", () -> store.replay(InboxQuery.deadLetters()));
        operations.put("discard dead deliveries", () -> store.discard(InboxQuery.deadLetters()));
        operations.put("purge done deliveries", () -> store.purge(10));
        operations.put("count deliveries", store::stats);
        operations.put("check that the database takes writes", store::checkWritable);
        stopDatabase();
        try {
            operations.forEach((operation, call) -> assertThatThrownBy(call::execute)
                    .isInstanceOf(StoreUnavailableException.class)
                    .hasMessageStartingWith("inbox could not " + operation + ": database error")
                    .satisfies(failure -> assertThat(failure.getMessage())
                            .doesNotContain(secrets()).doesNotContain("body-must-not-leak", "held")));
        } finally {
            startDatabase();
        }
    }

    // The health check's question, on a database that takes writes: answered without a word. Each dialect's test makes
    // its database read-only its own way.
    @Test
    void aDatabaseThatTakesWritesPassesTheWritableCheck() {
        JdbcInboxStore store = store();

        store.checkWritable();

        assertThat(store.offer(entry("after-the-check", Optional.empty(), "{}"))).isTrue();
    }

    // The receiver logs a 503's whole cause chain, so not even the driver's own message may hold the body.
    @Test
    void aDeliveryTheDatabaseRefusesFailsWithoutItsBodyOrValuesInTheMessage() {
        JdbcInboxStore store = store();
        // An event type longer than its column: the database refuses the row and its driver may quote the value.
        String refused = "Workflow Errored " + "x".repeat(200);

        assertThatThrownBy(() -> store.offer(entry("k", Optional.of(refused), "{\"secret\":\"body-must-not-leak\"}")))
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessageStartingWith("inbox could not store a delivery: database error")
                .satisfies(failure -> assertThat(failure.getMessage())
                        .doesNotContain(secrets()).doesNotContain("body-must-not-leak", "xxxx", "k'"))
                .satisfies(failure -> assertThat(chain(failure)).doesNotContain("body-must-not-leak", PASSWORD));
        assertThat(store.find("k")).isEmpty();
    }

    private static String chain(Throwable failure) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            text.append(t).append('\n');
        }
        return text.toString();
    }

    JdbcInboxStore store() {
        return JdbcInboxStore.builder().dataSource(newDataSource()).dialect(dialect()).build();
    }

    private static InboxEntry entry(String key, Optional<String> eventType, String body) {
        return InboxEntry.received(key, eventType, "live", Map.of("content-type", List.of("application/json")),
                body.getBytes(StandardCharsets.UTF_8), RECEIVED);
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
