package ai.refold.webhooks.idempotency;

import ai.refold.webhooks.test.EmbeddedPostgres;
import ai.refold.webhooks.idempotency.JdbcIdempotencyStore.Dialect;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One PostgreSQL database that several receiver instances share, as the instances of an application behind a load
 * balancer share theirs. The server is started once per test JVM (and stopped by its shutdown hook); each
 * {@code SharedPostgres} gets a table of its own, so that tests never see each other's rows, whose schema is applied
 * before any instance starts, as a migration tool would (two instances creating a table at the same moment can
 * collide in PostgreSQL's catalogue). Each instance then {@linkplain #connect() connects} on connections of its own.
 */
public final class SharedPostgres implements AutoCloseable {

    private static final AtomicInteger TABLES = new AtomicInteger();
    private static EmbeddedPostgres server;

    private final String table;
    private final List<InstanceConnections> instances = new CopyOnWriteArrayList<>();

    private SharedPostgres(String table) {
        this.table = table;
    }

    /** Starts the server if this JVM has not yet, and creates a fresh table. */
    public static SharedPostgres withFreshTable() {
        String table = "refold_deliveries_" + TABLES.incrementAndGet();
        try (Connection connection = server().dataSource().getConnection();
             Statement statement = connection.createStatement()) {
            for (String ddl : JdbcSession.schema(JdbcIdempotencyStore.KIND, Dialect.POSTGRESQL, table)) {
                statement.execute(ddl);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not create table " + table, e);
        }
        return new SharedPostgres(table);
    }

    private static synchronized EmbeddedPostgres server() {
        if (server == null) {
            server = EmbeddedPostgres.start();
        }
        return server;
    }

    /** Returns a new instance's connections to this database, with its own store on this table. */
    public InstanceConnections connect() {
        InstanceConnections connections = new InstanceConnections(
                new ConnectionPerThreadDataSource(server().dataSource()), table);
        instances.add(connections);
        return connections;
    }

    /** Returns the JDBC URL of the database, for a receiver in another process. */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + server().port() + "/postgres";
    }

    /** Returns the database user; the server trusts local connections, so there is no password. */
    public String user() {
        return "postgres";
    }

    /** Returns the table of this database's stores. */
    public String tableName() {
        return table;
    }

    /** Closes every instance's connections; the table stays, unused. */
    @Override
    public void close() throws SQLException {
        for (InstanceConnections connections : instances) {
            connections.close();
        }
    }
}
