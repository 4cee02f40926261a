package ai.refold.webhooks.idempotency;

import javax.sql.DataSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An {@link IdempotencyStore} in a relational database, shared by every instance of a receiver: right when the
 * receiver runs on several instances (Refold's retries land on any of them) or must remember deliveries across
 * restarts. PostgreSQL, MySQL 8 / MariaDB 10.5+ and H2 are supported.
 *
 * <pre>{@code
 * IdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(dataSource).build();
 * }</pre>
 *
 * <p>Each key is one row of the table {@value #DEFAULT_TABLE_NAME} (see {@code schema-postgresql.sql},
 * {@code schema-mysql.sql} and {@code schema-h2.sql} beside this class). Every operation is one short statement in
 * its own transaction; a claim is a single atomic insert-or-take-over-expired, so two instances racing on one key
 * cannot both win, and a claim that lost is followed by one short read to tell COMPLETED from IN_PROGRESS. Leases
 * and retention are measured with the database's clock, never the instances' clocks, so clock skew between
 * instances does not matter.
 *
 * <p>Expired rows count as absent and are reused by the next claim of their key; others stay until
 * {@link #purgeExpired(int)} deletes them, which the application should call now and then.
 *
 * <p>Any {@link SQLException} becomes a {@link StoreUnavailableException} (the receiver then answers 503, runs no
 * handler and marks nothing), whose message names the operation and the SQL state only. The data source should
 * hand out connections in auto-commit mode and outside any application transaction; a connection that is not in
 * auto-commit mode is committed after each statement.
 *
 * <p>Instances are thread-safe. The dialect, unless set, is detected from the database on first use, and the table
 * is created then if {@link Builder#createTableIfMissing(boolean) asked for}; a database that is down at that moment
 * makes that operation fail, and the next one tries again.
 */
public final class JdbcIdempotencyStore implements IdempotencyStore {

    /** Table used unless {@link Builder#tableName(String)} names another. */
    public static final String DEFAULT_TABLE_NAME = "refold_webhook_deliveries";

    /** Longest owner token stored, the width of the {@code owner_token} column. */
    public static final int MAX_OWNER_LENGTH = 200;

    // A claim whose row expires or is released between the claim and the read of its state is simply tried again.
    private static final int CLAIM_ATTEMPTS = 3;
    private static final String UNIQUE_VIOLATION = "23505";

    /** The SQL dialects the store speaks. */
    public enum Dialect {
        /** PostgreSQL 9.5 or later. */
        POSTGRESQL("postgresql"),
        /** MySQL 8 or MariaDB 10.5 or later, InnoDB. */
        MYSQL("mysql"),
        /** H2 2.x. */
        H2("h2");

        private final String schemaName;

        Dialect(String schemaName) {
            this.schemaName = schemaName;
        }

        /** Returns the name of the DDL resource for this dialect, for example {@code schema-postgresql.sql}. */
        public String schemaResource() {
            return "schema-" + schemaName + ".sql";
        }

        static Dialect detect(String productName) {
            String name = productName == null ? "" : productName.toLowerCase(Locale.ROOT);
            if (name.contains("postgresql")) {
                return POSTGRESQL;
            }
            if (name.contains("mysql") || name.contains("mariadb")) {
                return MYSQL;
            }
            if (name.equals("h2")) {
                return H2;
            }
            throw new IllegalStateException("database '" + productName + "' is not supported by "
                    + "JdbcIdempotencyStore; supported are PostgreSQL, MySQL, MariaDB and H2");
        }
    }

    private final DataSource dataSource;
    private final String tableName;
    private final Dialect configuredDialect;
    private final boolean createTableIfMissing;
    private final int queryTimeoutSeconds;
    private volatile JdbcStatements statements;

    private JdbcIdempotencyStore(Builder builder) {
        this.dataSource = builder.dataSource;
        this.tableName = builder.tableName;
        this.configuredDialect = builder.dialect;
        this.createTableIfMissing = builder.createTableIfMissing;
        this.queryTimeoutSeconds = builder.queryTimeoutSeconds;
    }

    /** Returns a builder; a data source is required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Claims {@code key} for {@code owner}; see {@link IdempotencyStore#claim}.
     *
     * @throws NullPointerException      if an argument is null
     * @throws IllegalArgumentException  if {@code key} is empty or longer than
     *                                   {@value IdempotencyKeyExtractor#MAX_LENGTH} characters, {@code owner} is empty
     *                                   or longer than {@value #MAX_OWNER_LENGTH}, or {@code lease} is not positive
     * @throws StoreUnavailableException if the database cannot answer
     */
    @Override
    public ClaimResult claim(String key, String owner, Duration lease) {
        checkKey(key);
        checkOwner(owner);
        long leaseMillis = positiveMillis(lease, "lease");
        return withConnection("claim a key", (connection, sql) -> {
            for (int attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
                int written = tryClaim(connection, sql, key, owner, leaseMillis);
                if (written > 0 && sql.claimCountIsExact()) {
                    return ClaimResult.CLAIMED;
                }
                ClaimResult holder = readLiveState(connection, sql, key, owner);
                commitIfManual(connection);
                if (holder != null) {
                    return holder;
                }
            }
            throw new StoreUnavailableException("idempotency store could not claim a key: its row kept changing "
                    + "over " + CLAIM_ATTEMPTS + " attempts");
        });
    }

    /**
     * Marks {@code key} COMPLETED for {@code retention}; see {@link IdempotencyStore#complete}.
     *
     * @throws NullPointerException      if an argument is null
     * @throws IllegalArgumentException  if {@code retention} is not positive
     * @throws StoreUnavailableException if the database cannot answer
     */
    @Override
    public boolean complete(String key, String owner, Duration retention) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(owner, "owner");
        long retentionMillis = positiveMillis(retention, "retention");
        return withConnection("complete a key", (connection, sql) -> {
            try (PreparedStatement statement = prepare(connection, sql.complete())) {
                statement.setLong(1, retentionMillis);
                statement.setString(2, key);
                statement.setString(3, owner);
                return statement.executeUpdate() > 0;
            }
        });
    }

    /**
     * Removes the claim on {@code key}; see {@link IdempotencyStore#release}. A claim whose lease already ran out is
     * lost and is not released.
     *
     * @throws NullPointerException      if an argument is null
     * @throws StoreUnavailableException if the database cannot answer
     */
    @Override
    public boolean release(String key, String owner) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(owner, "owner");
        return withConnection("release a key", (connection, sql) -> {
            try (PreparedStatement statement = prepare(connection, sql.release())) {
                statement.setString(1, key);
                statement.setString(2, owner);
                return statement.executeUpdate() > 0;
            }
        });
    }

    /**
     * Deletes at most {@code batchSize} expired rows, oldest first, in one short statement, and returns how many it
     * deleted. Expired rows already count as absent, so purging only reclaims space; call it periodically, repeating
     * while it returns {@code batchSize}. A row claimed again meanwhile is not deleted, and instances may purge
     * concurrently.
     *
     * @throws IllegalArgumentException  if {@code batchSize} is less than 1
     * @throws StoreUnavailableException if the database cannot answer
     */
    public int purgeExpired(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1 but was " + batchSize);
        }
        return withConnection("purge expired keys", (connection, sql) -> {
            try (PreparedStatement statement = prepare(connection, sql.purge())) {
                statement.setInt(1, batchSize);
                return statement.executeUpdate();
            }
        });
    }

    /** Returns the table this store keeps its rows in. */
    public String tableName() {
        return tableName;
    }

    private int tryClaim(Connection connection, JdbcStatements sql, String key, String owner, long leaseMillis)
            throws SQLException {
        try (PreparedStatement statement = prepare(connection, sql.claim())) {
            statement.setString(1, key);
            statement.setString(2, owner);
            statement.setLong(3, leaseMillis);
            int written = statement.executeUpdate();
            commitIfManual(connection);
            return written;
        } catch (SQLException e) {
            // H2 reports an insert that lost the race to a concurrent one as a unique violation; being a statement
            // of its own, it rolled back alone and leaves nothing aborted.
            if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
                rollbackQuietly(connection, e);
                return 0;
            }
            throw e;
        }
    }

    // Returns what holds a live key, or null if it is absent or expired.
    private ClaimResult readLiveState(Connection connection, JdbcStatements sql, String key, String owner)
            throws SQLException {
        try (PreparedStatement statement = prepare(connection, sql.liveState())) {
            statement.setString(1, key);
            try (ResultSet row = statement.executeQuery()) {
                if (!row.next()) {
                    return null;
                }
                String state = row.getString(1);
                String holder = row.getString(2);
                if (JdbcStatements.COMPLETED.equals(state)) {
                    return ClaimResult.COMPLETED;
                }
                return owner.equals(holder) ? ClaimResult.CLAIMED : ClaimResult.IN_PROGRESS;
            }
        }
    }

    private PreparedStatement prepare(Connection connection, String sql) throws SQLException {
        PreparedStatement statement = connection.prepareStatement(sql);
        if (queryTimeoutSeconds > 0) {
            statement.setQueryTimeout(queryTimeoutSeconds);
        }
        return statement;
    }

    private <T> T withConnection(String operation, SqlWork<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            try {
                T result = work.run(connection, statements(connection));
                commitIfManual(connection);
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(connection, e);
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreUnavailableException("idempotency store could not " + operation + ": database error"
                    + (e.getSQLState() != null ? " (SQL state " + e.getSQLState() + ")" : ""), e);
        }
    }

    private JdbcStatements statements(Connection connection) throws SQLException {
        JdbcStatements current = statements;
        if (current != null) {
            return current;
        }
        synchronized (this) {
            if (statements == null) {
                Dialect dialect = configuredDialect != null ? configuredDialect
                        : Dialect.detect(connection.getMetaData().getDatabaseProductName());
                if (createTableIfMissing) {
                    createTable(connection, dialect);
                }
                statements = JdbcStatements.of(dialect, tableName);
            }
            return statements;
        }
    }

    private void createTable(Connection connection, Dialect dialect) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (String ddl : schema(dialect, tableName)) {
                try {
                    statement.execute(ddl);
                } catch (SQLException raced) {
                    // Another instance may be creating the same table at this moment (PostgreSQL then refuses one
                    // of the two with a unique violation in its catalogue); IF NOT EXISTS sees it on a second try.
                    if (!connection.getAutoCommit()) {
                        connection.rollback();
                    }
                    statement.execute(ddl);
                }
                commitIfManual(connection);
            }
        }
    }

    /**
     * Returns the DDL statements that create the table {@code tableName} and its index in {@code dialect}: the
     * dialect's {@linkplain Dialect#schemaResource() schema resource} with the default table name replaced.
     */
    static List<String> schema(Dialect dialect, String tableName) {
        String script;
        try (InputStream in = JdbcIdempotencyStore.class.getResourceAsStream(dialect.schemaResource())) {
            if (in == null) {
                throw new IllegalStateException(dialect.schemaResource() + " is missing from the classpath");
            }
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(dialect.schemaResource() + " could not be read", e);
        }
        StringBuilder withoutComments = new StringBuilder();
        for (String line : script.split("\n")) {
            if (!line.strip().startsWith("--")) {
                withoutComments.append(line).append('\n');
            }
        }
        List<String> statements = new ArrayList<>();
        for (String ddl : withoutComments.toString().split(";")) {
            if (!ddl.isBlank()) {
                statements.add(ddl.strip().replace(DEFAULT_TABLE_NAME, tableName));
            }
        }
        return statements;
    }

    private static void commitIfManual(Connection connection) throws SQLException {
        if (!connection.getAutoCommit()) {
            connection.commit();
        }
    }

    private static void rollbackQuietly(Connection connection, Exception failure) {
        try {
            if (!connection.getAutoCommit()) {
                connection.rollback();
            }
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
    }

    private static void checkKey(String key) {
        Objects.requireNonNull(key, "key");
        if (key.isEmpty() || key.length() > IdempotencyKeyExtractor.MAX_LENGTH) {
            throw new IllegalArgumentException("key must be 1 to " + IdempotencyKeyExtractor.MAX_LENGTH
                    + " characters but had " + key.length());
        }
    }

    private static void checkOwner(String owner) {
        Objects.requireNonNull(owner, "owner");
        if (owner.isEmpty() || owner.length() > MAX_OWNER_LENGTH) {
            throw new IllegalArgumentException("owner must be 1 to " + MAX_OWNER_LENGTH + " characters but had "
                    + owner.length());
        }
    }

    private static long positiveMillis(Duration duration, String name) {
        Objects.requireNonNull(duration, name);
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException(name + " must be positive but was " + duration);
        }
        // At least one millisecond, so that a sub-millisecond lease is not stored as already expired.
        return Math.max(1, duration.toMillis());
    }

    @Override
    public String toString() {
        JdbcStatements current = statements;
        Dialect dialect = current != null ? current.dialect() : configuredDialect;
        return "JdbcIdempotencyStore[table=" + tableName + ", dialect="
                + (dialect != null ? dialect : "auto") + "]";
    }

    @FunctionalInterface
    private interface SqlWork<T> {
        T run(Connection connection, JdbcStatements sql) throws SQLException;
    }

    /** Configures a {@link JdbcIdempotencyStore}. Setters validate at once; not thread-safe. */
    public static final class Builder {
        // Unquoted, so that every supported database folds and matches it the same way; short enough that the
        // index name derived from it stays within PostgreSQL's 63 characters.
        private static final Pattern PLAIN_IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,46}");

        private DataSource dataSource;
        private String tableName = DEFAULT_TABLE_NAME;
        private Dialect dialect;
        private boolean createTableIfMissing;
        private int queryTimeoutSeconds = 10;

        private Builder() {
        }

        /**
         * Sets where the rows live; required. Connections are taken for each operation and closed right after, so a
         * pooled data source is best.
         *
         * @throws NullPointerException if {@code dataSource} is null
         */
        public Builder dataSource(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
            return this;
        }

        /**
         * Sets the table; {@value JdbcIdempotencyStore#DEFAULT_TABLE_NAME} by default. Its index is named after it
         * with {@code _expires_at_idx} appended.
         *
         * @throws NullPointerException     if {@code tableName} is null
         * @throws IllegalArgumentException if {@code tableName} is not a plain SQL identifier of at most 47
         *                                  characters: a letter or underscore, then letters, digits and underscores
         */
        public Builder tableName(String tableName) {
            Objects.requireNonNull(tableName, "tableName");
            if (!PLAIN_IDENTIFIER.matcher(tableName).matches()) {
                throw new IllegalArgumentException("tableName must be a plain SQL identifier of at most 47 "
                        + "characters (letters, digits, underscores, not starting with a digit)");
            }
            this.tableName = tableName;
            return this;
        }

        /**
         * Sets the SQL dialect; by default it is detected from the database's product name on first use.
         *
         * @throws NullPointerException if {@code dialect} is null
         */
        public Builder dialect(Dialect dialect) {
            this.dialect = Objects.requireNonNull(dialect, "dialect");
            return this;
        }

        /**
         * Sets whether the table and its index are created on first use if missing, from the dialect's schema
         * resource; false by default, for schemas managed by migrations.
         */
        public Builder createTableIfMissing(boolean createTableIfMissing) {
            this.createTableIfMissing = createTableIfMissing;
            return this;
        }

        /**
         * Sets how long one statement may run before the driver cancels it and the operation fails as unavailable;
         * 10 seconds by default, rounded up to whole seconds.
         *
         * @throws NullPointerException     if {@code timeout} is null
         * @throws IllegalArgumentException if {@code timeout} is not positive
         */
        public Builder queryTimeout(Duration timeout) {
            long millis = positiveMillis(timeout, "queryTimeout");
            this.queryTimeoutSeconds = (int) Math.min(Integer.MAX_VALUE, (millis + 999) / 1000);
            return this;
        }

        /**
         * Builds the store. Nothing is read from the database until the first operation.
         *
         * @throws IllegalStateException if no data source was set
         */
        public JdbcIdempotencyStore build() {
            if (dataSource == null) {
                throw new IllegalStateException("a dataSource is required");
            }
            return new JdbcIdempotencyStore(this);
        }
    }
}
