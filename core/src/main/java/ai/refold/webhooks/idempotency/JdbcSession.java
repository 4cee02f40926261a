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
import java.util.function.BiFunction;
import java.util.Set;
import java.util.TreeSet;

/**
 * How a JDBC store ({@link JdbcIdempotencyStore}, {@link JdbcInboxStore}) talks to its database: a connection per
 * operation, committed or rolled back before it is closed (a close that fails after the commit changes no answer);
 * the dialect detected on first use and the table created then if asked for; every {@link SQLException} turned into
 * a {@link StoreUnavailableException} that names the operation and the SQL state only.
 */
final class JdbcSession<S> {

    /** What a store brings to a session: its name for messages, its table, and its SQL in each dialect. */
    record Kind<S>(String storeName, String defaultTable, String schemaPrefix,
                   BiFunction<Dialect, String, S> statements) {
    }

    private final Kind<S> kind;
    private final DataSource dataSource;
    private final String tableName;
    private final Dialect configuredDialect;
    private final boolean createTableIfMissing;
    private final int queryTimeoutSeconds;
    private volatile S statements;
    private volatile Dialect dialect;

    JdbcSession(Kind<S> kind, DataSource dataSource, String tableName, Dialect configuredDialect,
                boolean createTableIfMissing, int queryTimeoutSeconds) {
        this.kind = kind;
        this.dataSource = dataSource;
        this.tableName = tableName;
        this.configuredDialect = configuredDialect;
        this.createTableIfMissing = createTableIfMissing;
        this.queryTimeoutSeconds = queryTimeoutSeconds;
    }

    String tableName() {
        return tableName;
    }

    // Handler names are free of control characters (the receiver's builder refuses them), so a newline separates.
    static String encodeHandlers(Set<String> handlers) {
        return String.join("\n", new TreeSet<>(handlers));
    }

    static Set<String> decodeHandlers(String encoded) {
        return encoded == null || encoded.isEmpty() ? Set.of() : Set.of(encoded.split("\n"));
    }

    /** Runs one statement of {@code sql} that changes rows and returns how many it changed. */
    int update(String operation, SqlPick<S> pick, Binder binder) {
        return run(operation, (connection, sql) -> {
            try (PreparedStatement statement = prepare(connection, pick.of(sql))) {
                binder.bind(statement);
                return statement.executeUpdate();
            }
        });
    }

    /** Runs one query of {@code sql} and returns its first row's first column as a string, or null. */
    String queryString(String operation, SqlPick<S> pick, String key) {
        return run(operation, (connection, sql) -> {
            try (PreparedStatement statement = prepare(connection, pick.of(sql))) {
                statement.setString(1, key);
                try (ResultSet row = statement.executeQuery()) {
                    return row.next() ? row.getString(1) : null;
                }
            }
        });
    }

    // The key as the table keeps it: hashed if PostgreSQL could not hold it byte for byte (it refuses a NUL in text,
    // and a lone surrogate would be stored as a replacement character), or if it is over the column's width.
    static String storedKey(String key) {
        return StandardIdempotencyKeys.storable(key);
    }

    // The dialect of a database, from the product name its driver reports.
    static Dialect detect(String productName) {
        String name = productName == null ? "" : productName.toLowerCase(Locale.ROOT);
        if (name.contains("postgresql")) {
            return Dialect.POSTGRESQL;
        }
        if (name.equals("h2")) {
            return Dialect.H2;
        }
        throw new IllegalStateException("database '" + productName + "' is not supported by the JDBC stores;"
                + " supported are PostgreSQL and H2");
    }

    static String checkKey(String key) {
        Objects.requireNonNull(key, "key");
        if (key.isEmpty()) {
            throw new IllegalArgumentException("key must not be empty");
        }
        return storedKey(key);
    }

    static void checkOwner(String owner) {
        Objects.requireNonNull(owner, "owner");
        if (owner.isEmpty() || owner.length() > JdbcIdempotencyStore.MAX_OWNER_LENGTH) {
            throw new IllegalArgumentException("owner must be 1 to " + JdbcIdempotencyStore.MAX_OWNER_LENGTH
                    + " characters but had " + owner.length());
        }
    }

    /** Returns the dialect in use, or {@code auto} before the first operation detected it. */
    String dialectName() {
        Dialect current = dialect != null ? dialect : configuredDialect;
        return current != null ? current.toString() : "auto";
    }

    <T> T run(String operation, SqlWork<S, T> work) {
        try {
            Connection connection = dataSource.getConnection();
            T result;
            try {
                result = work.run(connection, statements(connection));
                commitIfManual(connection);
            } catch (Throwable e) {
                if (e instanceof Exception failure) {
                    rollbackQuietly(connection, failure);
                }
                try {
                    connection.close();
                } catch (SQLException closing) {
                    e.addSuppressed(closing);
                }
                throw e;
            }
            try {
                connection.close();
            } catch (SQLException afterCommit) {
                // What the work did is committed, and a failed close undoes none of it: its answer stands.
            }
            return result;
        } catch (SQLException e) {
            throw new StoreUnavailableException(kind.storeName() + " could not " + operation + ": database error"
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

    private S statements(Connection connection) throws SQLException {
        S current = statements;
        if (current != null) {
            return current;
        }
        synchronized (this) {
            if (statements == null) {
                Dialect detected = configuredDialect != null ? configuredDialect
                        : detect(connection.getMetaData().getDatabaseProductName());
                if (createTableIfMissing) {
                    createTable(connection, detected);
                }
                statements = kind.statements().apply(detected, tableName);
                dialect = detected;
            }
            return statements;
        }
    }

    private void createTable(Connection connection, Dialect dialect) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (String ddl : schema(kind, dialect, tableName)) {
                if (SchemaChecks.changesNothing(connection, ddl)) {
                    continue;
                }
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

    /** Returns the DDL creating a store's table {@code tableName} in {@code dialect}: its schema resource, renamed. */
    static List<String> schema(Kind<?> kind, Dialect dialect, String tableName) {
        String resource = kind.schemaPrefix() + dialect.schemaResource().substring("schema-".length());
        String script;
        try (InputStream in = JdbcSession.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing from the classpath");
            }
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(resource + " could not be read", e);
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
                statements.add(ddl.strip().replace(kind.defaultTable(), tableName));
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
    interface SqlWork<S, T> {
        T run(Connection connection, S sql) throws SQLException;
    }

    /** Picks one statement of the store's SQL in the dialect in use. */
    @FunctionalInterface
    interface SqlPick<S> {
        String of(S sql);
    }

    /** Sets a statement's parameters. */
    @FunctionalInterface
    interface Binder {
        void bind(PreparedStatement statement) throws SQLException;
    }
}
