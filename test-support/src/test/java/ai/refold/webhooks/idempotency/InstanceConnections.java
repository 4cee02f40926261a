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
 * while or until restored (an outage seen by this instance only) or for good (the instance was killed: nothing it still runs reaches
 * the database). The other instances' connections are unaffected.
 */
public final class InstanceConnections extends TestDataSource implements AutoCloseable {

    private final ConnectionPerThreadDataSource connections;
    private final JdbcIdempotencyStore store;
    private final AtomicInteger refused = new AtomicInteger();
    private volatile long nextOutageNanos = -1; // the length of an outage that starts at the next connection
    private volatile boolean outage;
    private volatile long outageEndsNanos;
    private volatile boolean down;
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

    /**
     * Refuses every connection for {@code duration}, counted from the next connection asked for (the first refused),
     * so that whoever asks next meets the whole outage however late the machine lets it ask.
     */
    public void refuseFor(Duration duration) {
        nextOutageNanos = duration.toNanos();
    }

    /** Refuses every connection from now until {@link #restore}. */
    public void refuseUntilRestored() {
        down = true;
    }

    /** Ends an outage begun by {@link #refuseUntilRestored}. */
    public void restore() {
        down = false;
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
        if (nextOutageNanos >= 0) {
            synchronized (this) {
                if (nextOutageNanos >= 0) {
                    outageEndsNanos = System.nanoTime() + nextOutageNanos;
                    outage = true;
                    nextOutageNanos = -1;
                }
            }
        }
        if (cutForGood || down || outage && System.nanoTime() - outageEndsNanos < 0) {
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
