package ai.refold.webhooks.idempotency;

import ai.refold.webhooks.idempotency.JdbcIdempotencyStore.Dialect;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.sql.DataSource;
import java.sql.Connection;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.SQLTransientConnectionException;
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

/**
 * The inbox against an in-memory H2 database. Stopping the database is simulated by data sources that refuse every
 * connection while it is "down".
 */
class H2JdbcInboxStoreTest extends JdbcInboxStoreContract {

    private static final String URL = "jdbc:h2:mem:refold-inbox;DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000";
    private static final String USER = "inbox_user";
    private static volatile boolean down;

    @Override
    DataSource newDataSource() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL(URL);
        h2.setUser(USER);
        h2.setPassword(PASSWORD);
        return new SwitchableDataSource(h2);
    }

    @Override
    Dialect dialect() {
        return Dialect.H2;
    }

    @Override
    List<String> secrets() {
        return List.of(URL, "refold-inbox", USER, PASSWORD);
    }

    @Override
    void stopDatabase() {
        down = true;
    }

    @Override
    void startDatabase() {
        down = false;
    }

    // Two instances offer one key whose done row's retention ran out: the MERGE of the one that finds the row locked
    // by the other's replacement must see, once it has the lock, a pending row and a duplicate, not replace it again.
    @Test
    void anOfferWaitingForAnotherInstancesReplacementOfAnExpiredDoneRowIsADuplicate() throws Exception {
        JdbcInboxStore store = store();
        store.offer(received("replaced"));
        store.take("owner-1", 1, LEASE);
        assertThat(store.done("replaced", "owner-1", Duration.ofMinutes(1))).isTrue();
        advanceTime(Duration.ofMinutes(2));
        ExecutorService other = Executors.newSingleThreadExecutor();
        try (Connection holder = newDataSource().getConnection(); Statement statement = holder.createStatement()) {
            holder.setAutoCommit(false);
            statement.executeUpdate("UPDATE " + TABLE + " SET state = 'PENDING', attempts = 0,"
                    + " next_attempt_at = CURRENT_TIMESTAMP WHERE idempotency_key = 'replaced'");
            Future<Boolean> offered = other.submit(() -> store.offer(received("replaced")));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!anySessionBlocked()) {
                assertThat(offered).as("the offer did not wait for the row").isNotDone();
                assertThat(System.nanoTime() - deadline).as("the offer never waited for the row").isNegative();
                Thread.sleep(5);
            }
            holder.commit();
            assertThat(offered.get(30, TimeUnit.SECONDS)).as("a second replacement").isFalse();
        } finally {
            other.shutdownNow();
        }
    }

    private static InboxEntry received(String key) {
        return InboxEntry.received(key, Optional.empty(), "live", Map.of(), new byte[] {'{', '}'}, RECEIVED);
    }

    private boolean anySessionBlocked() throws SQLException {
        try (Connection connection = newDataSource().getConnection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS"
                     + " WHERE BLOCKER_ID IS NOT NULL")) {
            rows.next();
            return rows.getInt(1) > 0;
        }
    }

    // In some compatibility modes H2 counts NULLs as equal in a unique index: the index of taken ordered rows must
    // not make a second delivery look like a duplicate there, nor refuse a second taken row of no ordering key.
    @ParameterizedTest(name = "MODE={0}")
    @ValueSource(strings = {"REGULAR", "MSSQLServer", "Derby", "MySQL"})
    void inEveryCompatibilityModeEveryDeliveryIsStoredAndTakenOnce(String mode) {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:refold-inbox-" + mode + ";DB_CLOSE_DELAY=-1;MODE=" + mode);
        JdbcInboxStore store = JdbcInboxStore.builder().dataSource(h2).dialect(Dialect.H2)
                .createTableIfMissing(true).build();
        for (String key : List.of("a", "b", "c")) {
            assertThat(store.offer(InboxEntry.received(key, Optional.empty(), "live", Map.of(),
                    new byte[] {'{', '}'}, Instant.parse("2026-11-01T09:30:00Z")))).as(key).isTrue();
        }
        assertThat(store.take("owner", 10, Duration.ofSeconds(30))).extracting(InboxEntry::key)
                .containsExactlyInAnyOrder("a", "b", "c");
        assertThat(store.offer(InboxEntry.received("a", Optional.empty(), "live", Map.of(), new byte[] {'{', '}'},
                Instant.parse("2026-11-01T09:30:00Z")))).as("a copy").isFalse();
    }

    // IGNORECASE=TRUE makes H2 create text columns that compare without case: two events whose keys differ only in
    // case (linked accounts Acme and acme) must still be two rows, and an owner token must not end a lease held by
    // one that differs from it only in case.
    @Test
    void keysAndOwnersThatDifferOnlyInCaseStayApartOnADatabaseThatIgnoresCase() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:refold-inbox-ignorecase;DB_CLOSE_DELAY=-1;IGNORECASE=TRUE");
        JdbcInboxStore store = JdbcInboxStore.builder().dataSource(h2).dialect(Dialect.H2)
                .createTableIfMissing(true).build();
        Instant received = Instant.parse("2026-11-01T09:30:00Z");
        for (String key : List.of("connection-expired:live:Acme:slack", "connection-expired:live:acme:slack")) {
            assertThat(store.offer(InboxEntry.received(key, Optional.empty(), "live", Map.of(),
                    new byte[] {'{', '}'}, received))).as(key).isTrue();
        }
        List<InboxEntry> taken = store.take("owner-A", 1, Duration.ofSeconds(30));
        assertThat(taken).hasSize(1);
        String key = taken.get(0).key();

        assertThat(store.done(key, "owner-a", Duration.ofDays(1))).as("another owner").isFalse();
        assertThat(store.done(key, "owner-A", Duration.ofDays(1))).isTrue();
        assertThat(store.take("owner-B", 10, Duration.ofSeconds(30))).extracting(InboxEntry::key)
                .as("the other event").containsExactly(key.contains("Acme") ? "connection-expired:live:acme:slack"
                        : "connection-expired:live:Acme:slack");
    }

    // H2 has no cheap estimate to give: it counts every state exactly, past the limit too.
    @Test
    void pastTheExactCountLimitTheDoneRowsAreStillCountedExactly() throws SQLException {
        insertRows("done", "DONE", InboxStats.EXACT_COUNT_LIMIT + 7);

        InboxStats stats = store().stats();

        assertThat(stats.count(InboxState.DONE)).isEqualTo(InboxStats.EXACT_COUNT_LIMIT + 7);
        assertThat(stats.estimated()).isEmpty();
    }

    // A database opened read-only answers every read (the oldest due delivery, as a health probe asks) and refuses
    // every delivery: the writable check says so, naming why and not where.
    @Test
    void aDatabaseOpenedReadOnlyFailsTheWritableCheckNamingWhyButNotTheDatabase(@TempDir Path directory)
            throws SQLException {
        String url = "jdbc:h2:file:" + directory.resolve("inbox").toAbsolutePath();
        JdbcDataSource writable = new JdbcDataSource();
        writable.setURL(url);
        writable.setUser(USER);
        writable.setPassword(PASSWORD);
        JdbcInboxStore.builder().dataSource(writable).createTableIfMissing(true).build().checkWritable();
        try (Connection connection = writable.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("SHUTDOWN");
        }
        JdbcDataSource readOnly = new JdbcDataSource();
        readOnly.setURL(url + ";ACCESS_MODE_DATA=r");
        readOnly.setUser(USER);
        readOnly.setPassword(PASSWORD);
        JdbcInboxStore store = JdbcInboxStore.builder().dataSource(readOnly).build();

        assertThat(store.oldestDue()).isEmpty();
        assertThatThrownBy(() -> store.offer(InboxEntry.received("k", Optional.empty(), "live", Map.of(),
                new byte[] {'{', '}'}, RECEIVED))).isInstanceOf(StoreUnavailableException.class);
        assertThatThrownBy(store::checkWritable).isInstanceOf(StoreUnavailableException.class)
                .hasMessage("inbox cannot store deliveries: the database is open read-only")
                .satisfies(failure -> assertThat(failure.getMessage()).doesNotContain(directory.toString(), USER,
                        PASSWORD));
    }

    /** Hands out connections from a delegate, or fails as an unreachable database does while it is down. */
    private static final class SwitchableDataSource extends TestDataSource {
        private final DataSource delegate;

        SwitchableDataSource(DataSource delegate) {
            this.delegate = delegate;
        }

        @Override
        public Connection getConnection() throws SQLException {
            if (down) {
                throw new SQLTransientConnectionException("Connection to " + URL + " as " + USER + "/" + PASSWORD
                        + " refused (simulated outage)", "08001");
            }
            return delegate.getConnection();
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            return getConnection();
        }
    }
}
