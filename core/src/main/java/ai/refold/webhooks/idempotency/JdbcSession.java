package ai.refold.webhooks.idempotency;

import ai.refold.webhooks.idempotency.JdbcIdempotencyStore.Dialect;

import javax.sql.DataSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * How {@link JdbcIdempotencyStore} talks to its database: a connection per operation, committed or rolled back
 * before it is closed; the dialect detected on first use and the table created then if asked for; every
 * {@link SQLException} turned into a {@link StoreUnavailableException} that names the operation and the SQL state
 * only.
 */
final class JdbcSession {

    private static final String UNIQUE_VIOLATION = "23505";

    private final DataSource dataSource;
    private final String tableName;
    private final Dialect configuredDialect;
    private final boolean createTableIfMissing;
    private final int queryTimeoutSeconds;
    private volatile JdbcStatements statements;

    JdbcSession(DataSource dataSource, String tableName, Dialect configuredDialect, boolean createTableIfMissing,
                int queryTimeoutSeconds) {
        this.dataSource = dataSource;
        this.tableName = tableName;
        this.configuredDialect = configuredDialect;
        this.createTableIfMissing = createTableIfMissing;
        this.queryTimeoutSeconds = queryTimeoutSeconds;
    }

    String tableName() {
        return tableName;
    }

    /** Runs the claim statement; returns the update count, or 0 if the insert lost a race (H2). */
    int tryClaim(Connection connection, JdbcStatements sql, String key, String owner, long leaseMillis)
            throws SQLException {
        try (PreparedStatement statement = prepare(connection, sql.claim())) {
            statement.setString(1, key);
            statement.setString(2, owner);
            statement.setLong(3, leaseMillis);
            int written = statement.executeUpdate();
            JdbcSession.commitIfManual(connection);
            return written;
        } catch (SQLException e) {
            // H2 reports an insert that lost the race to a concurrent one as a unique violation; being a statement
            // of its own, it rolled back alone and leaves nothing aborted.
            if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
                JdbcSession.rollbackQuietly(connection, e);
                return 0;
            }
            throw e;
        }
    }

    // Returns what holds a live key, or null if it is absent or expired.
    ClaimResult readLiveState(Connection connection, JdbcStatements sql, String key, String owner)
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

    // The dialect of a database, from the product name its driver reports.
    static Dialect detect(String productName) {
        String name = productName == null ? "" : productName.toLowerCase(Locale.ROOT);
        if (name.contains("postgresql")) {
            return Dialect.POSTGRESQL;
        }
        if (name.contains("mysql") || name.contains("mariadb")) {
            return Dialect.MYSQL;
        }
        if (name.equals("h2")) {
            return Dialect.H2;
        }
        throw new IllegalStateException("database '" + productName + "' is not supported by "
                + "JdbcIdempotencyStore; supported are PostgreSQL, MySQL, MariaDB and H2");
    }

    static void checkKey(String key) {
        Objects.requireNonNull(key, "key");
        if (key.isEmpty() || key.length() > IdempotencyKeyExtractor.MAX_LENGTH) {
            throw new IllegalArgumentException("key must be 1 to " + IdempotencyKeyExtractor.MAX_LENGTH
                    + " characters but had " + key.length());
        }
    }

    static void checkOwner(String owner) {
        Objects.requireNonNull(owner, "owner");
        if (owner.isEmpty() || owner.length() > JdbcIdempotencyStore.MAX_OWNER_LENGTH) {
            throw new IllegalArgumentException("owner must be 1 to " + JdbcIdempotencyStore.MAX_OWNER_LENGTH + " characters but had "
                    + owner.length());
        }
    }

    /** Returns the dialect in use, or {@code auto} before the first operation detected it. */
    String dialectName() {
        JdbcStatements current = statements;
        Dialect dialect = current != null ? current.dialect() : configuredDialect;
        return dialect != null ? dialect.toString() : "auto";
    }

    <T> T run(String operation, SqlWork<T> work) {
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

    PreparedStatement prepare(Connection connection, String sql) throws SQLException {
        PreparedStatement statement = connection.prepareStatement(sql);
        if (queryTimeoutSeconds > 0) {
            statement.setQueryTimeout(queryTimeoutSeconds);
        }
        return statement;
    }

    private JdbcStatements statements(Connection connection) throws SQLException {
        JdbcStatements current = statements;
        if (current != null) {
            return current;
        }
        synchronized (this) {
            if (statements == null) {
                Dialect dialect = configuredDialect != null ? configuredDialect
                        : detect(connection.getMetaData().getDatabaseProductName());
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
                statements.add(ddl.strip().replace(JdbcIdempotencyStore.DEFAULT_TABLE_NAME, tableName));
            }
        }
        return statements;
    }

    static void commitIfManual(Connection connection) throws SQLException {
        if (!connection.getAutoCommit()) {
            connection.commit();
        }
    }

    static void rollbackQuietly(Connection connection, Exception failure) {
        try {
            if (!connection.getAutoCommit()) {
                connection.rollback();
            }
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
    }

    @FunctionalInterface
    interface SqlWork<T> {
        T run(Connection connection, JdbcStatements sql) throws SQLException;
    }
}
