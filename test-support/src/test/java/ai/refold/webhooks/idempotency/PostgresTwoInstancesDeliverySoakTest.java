package ai.refold.webhooks.idempotency;

import ai.refold.webhooks.test.EmbeddedPostgres;
import ai.refold.webhooks.test.hardening.DeliverySoak;
import ai.refold.webhooks.idempotency.JdbcIdempotencyStore.Dialect;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The soak against two receiver instances, each with its own {@link JdbcIdempotencyStore} and its own connections,
 * sharing one PostgreSQL database, as two instances of an application behind a load balancer do. 3,000 events by
 * default, to keep the build short; {@code -Drefold.soak.events=20000} runs the full size.
 */
class PostgresTwoInstancesDeliverySoakTest extends DeliverySoak {

    private static EmbeddedPostgres server;
    private final List<ConnectionPerThreadDataSource> dataSources = new CopyOnWriteArrayList<>();

    // The schema is applied once before the instances start, as a migration tool does: two instances creating the
    // table at the same moment collide in PostgreSQL's catalogue (the loser tries again: JdbcTableCreationRaceTest).
    @BeforeAll
    static void startServerAndApplySchema() throws SQLException {
        server = EmbeddedPostgres.start();
        try (Connection connection = server.dataSource().getConnection();
             Statement statement = connection.createStatement()) {
            for (String ddl : JdbcSession.schema(JdbcIdempotencyStore.KIND, Dialect.POSTGRESQL,
                    JdbcIdempotencyStore.DEFAULT_TABLE_NAME)) {
                statement.execute(ddl);
            }
        }
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @AfterEach
    void closeConnections() throws SQLException {
        for (ConnectionPerThreadDataSource dataSource : dataSources) {
            dataSource.close();
        }
    }

    @Override
    protected IdempotencyStore createStore(int events) {
        ConnectionPerThreadDataSource dataSource = new ConnectionPerThreadDataSource(server.dataSource());
        dataSources.add(dataSource);
        return JdbcIdempotencyStore.builder().dataSource(dataSource).dialect(Dialect.POSTGRESQL).build();
    }

    @Override
    protected List<IdempotencyStore> createStores(int events) {
        return List.of(createStore(events), createStore(events));
    }

    @Override
    protected int defaultEvents() {
        return 3_000;
    }

    @Override
    protected String storeName() {
        return "two instances on one PostgreSQL database";
    }
}
