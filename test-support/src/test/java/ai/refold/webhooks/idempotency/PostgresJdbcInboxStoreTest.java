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
import java.util.List;

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

    @Override
    void stopDatabase() {
        server.stopServer();
    }

    @Override
    void startDatabase() {
        server.startServer();
    }
}
