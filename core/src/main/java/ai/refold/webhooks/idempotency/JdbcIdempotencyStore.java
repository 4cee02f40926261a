package ai.refold.webhooks.idempotency;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * An {@link IdempotencyStore} in a relational database, shared by every instance of a receiver: right when the
 * receiver runs on several instances (Refold's retries land on any of them) or must remember deliveries across
 * restarts. PostgreSQL and H2 are supported.
 *
 * <pre>{@code
 * IdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(dataSource).build();
 * }</pre>
 *
 * <p>Each key is one row of the table {@value #DEFAULT_TABLE_NAME} (see {@code schema-postgresql.sql} and
 * {@code schema-h2.sql} beside this class). Every operation is one short statement in its own transaction; a claim
 * is a single atomic insert-or-take-over, so two instances racing on one key cannot both win, and a claim that lost
 * is followed by one short read to tell COMPLETED from IN_PROGRESS. Leases and retention are measured with the
 * database's clock, never the instances' clocks, so clock skew between instances does not matter.
 *
 * <p>Rows whose lease or retention ran out are taken over by the next claim of their key; others stay until
 * {@link #purgeExpired(int)} deletes them, which the application should call now and then.
 *
 * <p>Any {@link SQLException} becomes a {@link StoreUnavailableException} (the receiver then answers 503, runs no
 * handler and marks nothing), whose message names the operation and the SQL state only. A claim that fails after its
 * statement reached the database may have been recorded with its answer lost: its lease is then ended at once, so
 * that the event's next delivery takes it over instead of being told IN_PROGRESS by a claim nobody holds. The data
 * source should hand out connections in auto-commit mode and outside any application transaction; a connection
 * that is not in auto-commit mode is committed after each statement.
 *
 * <p>Instances are thread-safe. The dialect, unless set, is detected from the database on first use, and the table
 * is created (or given the columns this version added) then if {@link Builder#createTableIfMissing(boolean) asked
 * for}; a database that is down at that moment makes that operation fail, and the next one tries again.
 */
public final class JdbcIdempotencyStore implements IdempotencyStore {

    /** Table used unless {@link Builder#tableName(String)} names another. */
    public static final String DEFAULT_TABLE_NAME = "refold_webhook_deliveries";

    /** Longest owner token stored, the width of the {@code owner_token} column. */
    public static final int MAX_OWNER_LENGTH = 200;

    // A claim whose row expires or is released between the claim and the read of its state is simply tried again.
    private static final int CLAIM_ATTEMPTS = 3;

    /** The SQL dialects the store speaks. */
    public enum Dialect {
        /** PostgreSQL 9.6 or later. */
        POSTGRESQL("postgresql"),
        /** H2 2.x. */
        H2("h2");

        private final String schemaName;

        Dialect(String schemaName) {
            this.schemaName = schemaName;
        }

        /** {@return the name of the DDL resource for this dialect, for example {@code schema-postgresql.sql}} */
        public String schemaResource() {
            return "schema-" + schemaName + ".sql";
        }
    }

    static final JdbcSession.Kind<JdbcStatements> KIND = new JdbcSession.Kind<>("idempotency store",
            DEFAULT_TABLE_NAME, "schema-", JdbcStatements::of);

    private final JdbcSession<JdbcStatements> session;

    private JdbcIdempotencyStore(Builder builder) {
        this.session = new JdbcSession<>(KIND, builder.dataSource, builder.tableName, builder.dialect,
                builder.createTableIfMissing, builder.queryTimeoutSeconds);
    }

    /** {@return a builder; a data source is required} */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Claims {@code key} for {@code owner}; see {@link IdempotencyStore#claim}.
     *
     * <p>A key longer than {@value IdempotencyKeyExtractor#MAX_LENGTH} characters, or holding a NUL or an unpaired
     * surrogate, is stored as {@value IdempotencyKeyExtractor#HASHED_KEY_PREFIX} and the SHA-256 of its characters.
     *
     * @throws IllegalArgumentException  if {@code key} is empty, {@code owner} is empty or longer than
     *                                   {@value #MAX_OWNER_LENGTH}, or {@code lease} is not positive
     * @throws StoreUnavailableException if the database cannot answer
     */
    @Override
    public ClaimResult claim(String storeKey, String owner, Duration lease) {
        String key = JdbcSession.checkKey(storeKey);
        JdbcSession.checkOwner(owner);
        long leaseMillis = Durations.millis(Objects.requireNonNull(lease, "lease"));
        boolean[] sent = new boolean[1];
        try {
            return session.run("claim a key", (connection, sql) -> {
                sent[0] = true;
                for (int attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
                    ClaimResult result = JdbcClaim.tryClaim(session, connection, sql, key, owner, leaseMillis);
                    if (result != null) {
                        return result;
                    }
                }
                throw new StoreUnavailableException("idempotency store could not claim a key: its row kept "
                        + "changing over " + CLAIM_ATTEMPTS + " attempts");
            });
        } catch (StoreUnavailableException e) {
            if (sent[0]) {
                expireLostClaim(key, owner, e);
            }
            throw e;
        }
    }

    // A claim that failed once its statement was sent may have been committed with its answer lost (a connection
    // that broke in the commit, a failed read-back or close): the caller runs nothing, and Refold's retry would be
    // told IN_PROGRESS for a whole lease by a claim nobody holds. Its lease is ended instead, so that the retry takes
    // it over (as a rerun, the safe side) and keeps any progress it took over; another owner's row is not touched.
    private void expireLostClaim(String key, String owner, StoreUnavailableException failure) {
        try {
            session.update("end the lease of a claim whose answer was lost", JdbcStatements::renew, statement -> {
                statement.setLong(1, 0);
                bindHeld(statement, 2, key, owner);
            });
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    @Override
    public boolean renew(String key, String owner, Duration lease) {
        requireHeld(key, owner);
        long leaseMillis = Durations.millis(Objects.requireNonNull(lease, "lease"));
        return session.update("renew a claim", JdbcStatements::renew, statement -> {
            statement.setLong(1, leaseMillis);
            bindHeld(statement, 2, key, owner);
        }) > 0;
    }

    @Override
    public boolean complete(String key, String owner, Duration retention) {
        requireHeld(key, owner);
        long retentionMillis = Durations.millis(Objects.requireNonNull(retention, "retention"));
        return session.update("complete a key", JdbcStatements::complete, statement -> {
            statement.setLong(1, retentionMillis);
            bindHeld(statement, 2, key, owner);
        }) > 0;
    }

    @Override
    public boolean release(String key, String owner) {
        requireHeld(key, owner);
        return session.update("release a key", JdbcStatements::release,
                statement -> bindHeld(statement, 1, key, owner)) > 0;
    }

    @Override
    public boolean release(String key, String owner, Set<String> doneHandlers, Duration retention) {
        requireHeld(key, owner);
        if (doneHandlers.isEmpty()) {
            return release(key, owner);
        }
        String done = JdbcSession.encodeHandlers(doneHandlers);
        long retentionMillis = Durations.millis(Objects.requireNonNull(retention, "retention"));
        return session.update("release a key with progress", JdbcStatements::releaseWithProgress, statement -> {
            statement.setString(1, done);
            statement.setLong(2, retentionMillis);
            bindHeld(statement, 3, key, owner);
        }) > 0;
    }

    @Override
    public Set<String> doneHandlers(String key) {
        Objects.requireNonNull(key, "key");
        return JdbcSession.decodeHandlers(session.queryString("read a key's done handlers",
                JdbcStatements::doneHandlers, JdbcSession.storedKey(key)));
    }

    @Override
    public Optional<Duration> leaseRemaining(String key) {
        Objects.requireNonNull(key, "key");
        String millis = session.queryString("read a key's lease", JdbcStatements::leaseRemaining,
                JdbcSession.storedKey(key));
        return millis == null ? Optional.empty() : Optional.of(Duration.ofMillis(Math.max(0, Long.parseLong(millis))));
    }

    /**
     * Deletes at most {@code batchSize} rows that can go, oldest first, in one short statement, and returns how many
     * it deleted: completed and released rows whose retention ran out, and claims whose lease ran out more than a
     * day ago (kept that long so that a late copy is still told an earlier attempt may have run). Such rows already
     * count as absent or takeable, so purging only reclaims space; call it periodically, repeating while it returns
     * {@code batchSize}. A row claimed again meanwhile is not deleted, and instances may purge concurrently.
     *
     * @param batchSize the most rows to delete in this call
     * @return how many rows were deleted; {@code batchSize} means more may be left
     * @throws IllegalArgumentException  if {@code batchSize} is less than 1
     * @throws StoreUnavailableException if the database cannot answer
     */
    public int purgeExpired(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1 but was " + batchSize);
        }
        return session.update("purge expired keys", JdbcStatements::purge, statement -> statement.setInt(1, batchSize));
    }

    /** {@return the table this store keeps its rows in} */
    public String tableName() {
        return session.tableName();
    }

    private static void requireHeld(String key, String owner) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(owner, "owner");
    }

    private static void bindHeld(PreparedStatement statement, int first, String key, String owner)
            throws SQLException {
        statement.setString(first, JdbcSession.storedKey(key));
        statement.setString(first + 1, owner);
    }

    @Override
    public String toString() {
        return "JdbcIdempotencyStore[table=" + session.tableName() + ", dialect=" + session.dialectName() + "]";
    }

    /** Configures a {@link JdbcIdempotencyStore}. Setters validate at once; not thread-safe. */
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
        public JdbcIdempotencyStore build() {
            requireDataSource();
            return new JdbcIdempotencyStore(this);
        }
    }
}
