package ai.refold.webhooks.idempotency;

import ai.refold.webhooks.test.EmbeddedPostgres;
import ai.refold.webhooks.idempotency.JdbcIdempotencyStore.Dialect;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

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

    // Rows of one account piled up behind its taken row are read by the take that passes them, then parked a
    // lease ahead, so that the takes after it do not read them again (24 ms a take behind 20,000 such rows, without);
    // the end of the taken row wakes the first of them at once.
    @Test
    void heldBackRowsATakeReadPastAreParkedUntilTheRowTheyWaitForEndsWhichWakesTheFirstOfThem() throws SQLException {
        JdbcInboxStore store = JdbcInboxStore.builder().dataSource(newDataSource()).dialect(Dialect.POSTGRESQL).build();
        Instant received = Instant.parse("2026-11-01T09:30:00Z");
        for (int i = 0; i < 500; i++) {
            store.offer(InboxEntry.received(String.format(Locale.ROOT, "x-%04d", i), Optional.empty(), "live",
                    Map.of(), new byte[] {'{', '}'}, received.plusMillis(i), Optional.of("account-x")));
        }
        store.offer(InboxEntry.received("free", Optional.empty(), "live", Map.of(), new byte[] {'{', '}'},
                received.plusSeconds(1)));
        String dueBehind = "ordering_key = 'account-x' AND state = 'PENDING' AND next_attempt_at <= CURRENT_TIMESTAMP";

        assertThat(store.take("owner-1", 1, LEASE)).extracting(InboxEntry::key).containsExactly("x-0000");
        assertThat(count(dueBehind)).as("a take that read past none parks none").isEqualTo(499);
        assertThat(store.take("owner-2", 1, LEASE)).extracting(InboxEntry::key).containsExactly("free");
        assertThat(count(dueBehind)).as("the take that read past them parked them").isZero();
        assertThat(store.take("owner-3", 10, LEASE)).isEmpty();

        assertThat(store.done("x-0000", "owner-1", Duration.ofDays(1))).isTrue();
        assertThat(count(dueBehind)).isEqualTo(1);
        assertThat(count("idempotency_key = 'x-0001' AND next_attempt_at <= CURRENT_TIMESTAMP")).isEqualTo(1);
        assertThat(store.take("owner-3", 10, LEASE)).extracting(InboxEntry::key).containsExactly("x-0001");
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
            explain.setLong(4, 10_000);
            try (ResultSet rows = explain.executeQuery()) {
                while (rows.next()) {
                    plan.append(rows.getString(1)).append('\n');
                }
            }
        }

        assertThat(plan.toString()).contains("Index Scan using " + TABLE + "_due_at_idx").doesNotContain("Seq Scan");
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
