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

    @Override
    void stopDatabase() {
        server.stopServer();
    }

    @Override
    void startDatabase() {
        server.startServer();
    }
}
