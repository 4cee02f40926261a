package ai.refold.webhooks.idempotency;

import ai.refold.webhooks.test.EmbeddedPostgres;
import ai.refold.webhooks.idempotency.JdbcIdempotencyStore.Dialect;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import javax.sql.DataSource;
import java.util.List;

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

    @Override
    void stopDatabase() {
        server.stopServer();
    }

    @Override
    void startDatabase() {
        server.startServer();
    }
}
