package ai.refold.webhooks.idempotency;

import ai.refold.webhooks.idempotency.JdbcIdempotencyStore.Dialect;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One receiver instance's connections to a {@link SharedPostgres} database, and its store on them. A test can cut
 * them: while cut, every {@code getConnection()} fails as an unreachable database does (SQL state 08001), for a
 * while (an outage seen by this instance only) or for good (the instance was killed: nothing it still runs reaches
 * the database). The other instances' connections are unaffected.
 */
public final class InstanceConnections extends TestDataSource implements AutoCloseable {

    private final ConnectionPerThreadDataSource connections;
    private final JdbcIdempotencyStore store;
    private final AtomicInteger refused = new AtomicInteger();
    private volatile boolean outage;
    private volatile long outageEndsNanos;
    private volatile boolean cutForGood;

    InstanceConnections(ConnectionPerThreadDataSource connections, String table) {
        this.connections = connections;
        this.store = JdbcIdempotencyStore.builder().dataSource(this).tableName(table).dialect(Dialect.POSTGRESQL)
                .build();
    }

    /** Returns this instance's store. */
    public JdbcIdempotencyStore store() {
        return store;
    }

    /** Refuses every connection from now until {@code duration} has passed. */
    public void refuseFor(Duration duration) {
        outageEndsNanos = System.nanoTime() + duration.toNanos();
        outage = true;
    }

    /** Refuses every connection from now on, as for a process that was killed. */
    public void refuseForGood() {
        cutForGood = true;
    }

    /** Returns how many connections were refused so far. */
    public int refusals() {
        return refused.get();
    }

    @Override
    public Connection getConnection() throws SQLException {
        if (cutForGood || outage && System.nanoTime() - outageEndsNanos < 0) {
            refused.incrementAndGet();
            throw new SQLTransientConnectionException("Connection refused (simulated outage)", "08001");
        }
        return connections.getConnection();
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return getConnection();
    }

    @Override
    public void close() throws SQLException {
        connections.close();
    }
}
