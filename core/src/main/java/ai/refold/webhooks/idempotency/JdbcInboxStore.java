package ai.refold.webhooks.idempotency;

import javax.sql.DataSource;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * An {@link InboxStore} in a relational database (PostgreSQL 9.6+ or H2), shared by every instance of a receiver:
 * a delivery is stored by one short insert before it is acknowledged, so it survives crashes, deploys and outages of
 * the handlers' own dependencies, and any instance's workers run it. PostgreSQL takes due rows with
 * {@code FOR UPDATE SKIP LOCKED}, so instances never take the same row. Due times, leases and retention use the
 * database's clock.
 *
 * <pre>{@code
 * InboxStore inbox = JdbcInboxStore.builder().dataSource(dataSource).createTableIfMissing(true).build();
 * }</pre>
 *
 * <p>One row per event in {@value #DEFAULT_TABLE_NAME} ({@code inbox-schema-postgresql.sql} and
 * {@code inbox-schema-h2.sql} beside this class). Any {@link SQLException} becomes a
 * {@link StoreUnavailableException} naming the operation and the SQL state only. Instances are thread-safe.
 */
public final class JdbcInboxStore implements InboxStore {

    /** Table used unless {@link Builder#tableName(String)} names another. */
    public static final String DEFAULT_TABLE_NAME = "refold_webhook_inbox";
    private static final int TAKE_ATTEMPTS = 5;

    static final JdbcSession.Kind<InboxStatements> KIND = new JdbcSession.Kind<>("inbox", DEFAULT_TABLE_NAME,
            "inbox-schema-", InboxStatements::of);

    private final JdbcSession<InboxStatements> session;
    private final DataSource dataSource;

    private JdbcInboxStore(Builder builder) {
        this.dataSource = builder.dataSource;
        this.session = new JdbcSession<>(KIND, builder.dataSource, builder.tableName, builder.dialect,
                builder.createTableIfMissing, builder.queryTimeoutSeconds);
    }

    /** {@return a builder; a data source is required} */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public boolean offer(InboxEntry entry) {
        return store(entry, null, 0);
    }

    @Override
    public boolean offerTaken(InboxEntry entry, String owner, Duration lease) {
        InboxEntry.checkUnordered(entry);
        JdbcSession.checkOwner(owner);
        return store(entry, owner, Durations.millis(Objects.requireNonNull(lease, "lease")));
    }

    @Override
    public boolean storesTaken() {
        return true;
    }

    // One statement stores a delivery, pending or taken by owner, new or over an expired done row, or finds it a copy.
    private boolean store(InboxEntry entry, String owner, long leaseMillis) {
        Objects.requireNonNull(entry, "entry");
        String key = JdbcSession.checkKey(entry.key());
        return session.run("store a delivery", (connection, sql) -> {
            try (PreparedStatement statement = session.prepare(connection,
                    owner == null ? sql.offer() : sql.offerTaken())) {
                InboxRows.bindReceived(statement, key, entry);
                if (owner != null) {
                    statement.setLong(8, leaseMillis);
                    statement.setString(9, owner);
                }
                return statement.executeUpdate() > 0;
            } catch (SQLException e) {
                if (sql.offerIgnoresDuplicates() || !InboxRows.isDuplicate(e)) {
                    throw e;
                }
                JdbcSession.rollbackQuietly(connection, e);
                return false;
            }
        });
    }

    @Override
    public List<InboxEntry> take(String owner, int max, Duration lease) {
        JdbcSession.checkOwner(owner);
        long leaseMillis = Durations.millis(Objects.requireNonNull(lease, "lease"));
        if (max < 1) {
            throw new IllegalArgumentException("max must be positive but was " + max);
        }
        for (int attempt = 1; ; attempt++) {
            try {
                return session.run("take due deliveries", (connection, sql) -> sql.takeReturnsRows()
                        ? InboxRows.takeReturning(session, connection, sql, owner, max, leaseMillis)
                        : InboxRows.takeInTransaction(session, connection, sql, owner, max, leaseMillis));
            } catch (StoreUnavailableException e) {
                // A row of an ordering key another taker took at the same moment, unseen: taken, it would be the
                // key's second; or, taking several rows, a deadlock with such a taker. Nothing was taken (the try
                // was rolled back, its connection returned); a new try sees the other take, after a pause long
                // enough for the other to go on first (else it can lock the same rows again, and deadlock again).
                if (attempt == TAKE_ATTEMPTS || !(e.getCause() instanceof SQLException cause)
                        || !InboxRows.isRetryableTake(cause)) {
                    throw e;
                }
                InboxRows.pauseBeforeTakingAgain(attempt, e);
            }
        }
    }

    @Override
    public boolean renew(String key, String owner, Duration lease) {
        long millis = Durations.millis(Objects.requireNonNull(lease, "lease"));
        return held("renew a delivery", InboxStatements::renew, key, owner, statement -> statement.setLong(1, millis));
    }

    @Override
    public boolean done(String key, String owner, Duration retention) {
        long millis = Durations.millis(Objects.requireNonNull(retention, "retention"));
        return held("mark a delivery done", InboxStatements::done, key, owner,
                statement -> statement.setLong(1, millis));
    }

    @Override
    public boolean retry(String key, String owner, Duration delay, Set<String> doneHandlers, String error) {
        // Full jitter draws zero now and then: due at once, as in memory, not a millisecond later.
        long millis = Objects.requireNonNull(delay, "delay").isZero() ? 0 : Durations.millis(delay);
        String done = JdbcSession.encodeHandlers(doneHandlers);
        return held("schedule a delivery's retry", InboxStatements::retry, key, owner, statement -> {
            statement.setString(1, done.isEmpty() ? null : done);
            statement.setString(2, InboxRows.error(error));
            statement.setLong(3, millis);
        });
    }

    @Override
    public boolean dead(String key, String owner, Set<String> doneHandlers, String error) {
        return deadWith("mark a delivery dead", InboxStatements::dead, key, owner, doneHandlers, error);
    }

    @Override
    public boolean giveUp(String key, String owner, Set<String> doneHandlers, String error) {
        return deadWith("give up on a delivery", InboxStatements::giveUp, key, owner, doneHandlers, error);
    }

    // Dead, with the attempt counted (dead) or not (giveUp): the two statements take the same parameters.
    private boolean deadWith(String operation, JdbcSession.SqlPick<InboxStatements> pick, String key, String owner,
                             Set<String> doneHandlers, String error) {
        String done = JdbcSession.encodeHandlers(doneHandlers);
        return held(operation, pick, key, owner, statement -> {
            statement.setString(1, done.isEmpty() ? null : done);
            statement.setString(2, InboxRows.error(error));
        });
    }

    @Override
    public boolean release(String key, String owner) {
        return held("release a delivery", InboxStatements::release, key, owner, statement -> { });
    }

    @Override
    public Optional<InboxEntry> find(String key) {
        String stored = JdbcSession.checkKey(key);
        return session.run("read a delivery", (connection, sql) -> {
            try (PreparedStatement statement = session.prepare(connection, sql.find())) {
                statement.setString(1, stored);
                List<InboxEntry> rows = InboxRows.read(statement);
                return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
            }
        });
    }

    @Override
    public List<InboxEntry> list(InboxQuery query) {
        Objects.requireNonNull(query, "query");
        return session.run("list deliveries", (connection, sql) -> {
            try (PreparedStatement statement = session.prepare(connection, sql.select(InboxStatements.COLUMNS,
                    query))) {
                InboxRows.bindQuery(statement, 1, query);
                return InboxRows.read(statement);
            }
        });
    }

    @Override
    public int replay(InboxQuery query) {
        InboxQuery dead = Objects.requireNonNull(query, "query").deadOnly();
        return session.run("replay dead deliveries", (connection, sql) -> {
            // Progress, last error and rerun stay: a replay runs only the handlers not yet done, as a rerun if it was
            // one.
            try (PreparedStatement statement = session.prepare(connection, "UPDATE " + sql.table()
                    + " SET state = 'PENDING', attempts = 0, next_attempt_at = CURRENT_TIMESTAMP"
                    + " WHERE idempotency_key IN (" + sql.select("idempotency_key", dead) + ") AND state = 'DEAD'")) {
                InboxRows.bindQuery(statement, 1, dead);
                return statement.executeUpdate();
            }
        });
    }

    @Override
    public int discard(InboxQuery query) {
        InboxQuery dead = Objects.requireNonNull(query, "query").deadOnly();
        return session.run("discard dead deliveries", (connection, sql) -> {
            try (PreparedStatement statement = session.prepare(connection, "DELETE FROM " + sql.table()
                    + " WHERE idempotency_key IN (" + sql.select("idempotency_key", dead) + ") AND state = 'DEAD'")) {
                InboxRows.bindQuery(statement, 1, dead);
                return statement.executeUpdate();
            }
        });
    }

    @Override
    public int purge(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1 but was " + batchSize);
        }
        return session.update("purge done deliveries", InboxStatements::purge,
                statement -> statement.setInt(1, batchSize));
    }

    @Override
    public InboxStats stats() {
        return session.run("count deliveries", (connection, sql) -> InboxRows.stats(session, connection, sql));
    }

    @Override
    public Optional<Instant> oldestDue() {
        return session.run("find the oldest due delivery", (connection, sql) -> InboxRows.oldestDue(session,
                connection, sql));
    }

    /**
     * Checks, reading no row, that the database takes writes, or throws {@link StoreUnavailableException} naming why
     * not: a read-only database (a PostgreSQL standby or {@code default_transaction_read_only}, H2 opened read-only)
     * answers {@link #oldestDue()} yet refuses every delivery. Cheap enough for every health check.
     */
    public void checkWritable() {
        session.run("check that the database takes writes", (c, sql) -> ReadOnlyCheck.requireWritable(session, c, sql));
    }

    /**
     * {@return the most connections its data source's pool hands out at once, if the pool says (HikariCP, Commons
     * DBCP 2, Tomcat JDBC and c3p0 do); empty for any other data source}
     */
    public OptionalInt maximumConnections() {
        return PoolSize.of(dataSource);
    }

    /** {@return the table this store keeps its rows in} */
    public String tableName() {
        return session.tableName();
    }

    private boolean held(String operation, JdbcSession.SqlPick<InboxStatements> pick, String key, String owner,
                         JdbcSession.Binder first) {
        String stored = JdbcSession.checkKey(key);
        Objects.requireNonNull(owner, "owner");
        return session.run(operation, (connection, sql) -> {
            String text = pick.of(sql);
            try (PreparedStatement statement = session.prepare(connection, text)) {
                first.bind(statement);
                int keyIndex = (int) text.chars().filter(c -> c == '?').count() - 1;
                statement.setString(keyIndex, stored);
                statement.setString(keyIndex + 1, owner);
                return statement.executeUpdate() > 0;
            }
        });
    }

    @Override
    public String toString() {
        return "JdbcInboxStore[table=" + session.tableName() + ", dialect=" + session.dialectName() + "]";
    }

    /** Configures a {@link JdbcInboxStore}. Setters validate at once; not thread-safe. */
    public static final class Builder extends JdbcStoreSettings<Builder> {

        private Builder() {
            super(DEFAULT_TABLE_NAME);
        }

        /**
         * Builds the store. Nothing is read from the database until the first operation.
         *
         * @return a new store on the configured data source and table
         * @throws IllegalStateException if no data source was set
         */
        public JdbcInboxStore build() {
            requireDataSource();
            return new JdbcInboxStore(this);
        }
    }
}
