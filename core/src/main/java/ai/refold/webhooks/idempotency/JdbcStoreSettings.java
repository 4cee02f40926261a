package ai.refold.webhooks.idempotency;

import ai.refold.webhooks.idempotency.JdbcIdempotencyStore.Dialect;

import javax.sql.DataSource;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The settings both JDBC stores' builders share; users see these setters on each builder.
 *
 * @param <B> the builder
 */
abstract class JdbcStoreSettings<B extends JdbcStoreSettings<B>> {

    // Unquoted, so that every supported database folds and matches it the same way; short enough that the
    // index name derived from it stays within PostgreSQL's 63 characters.
    private static final Pattern PLAIN_IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,46}");

    DataSource dataSource;
    String tableName;
    Dialect dialect;
    boolean createTableIfMissing;
    int queryTimeoutSeconds = 10;

    JdbcStoreSettings(String defaultTableName) {
        this.tableName = defaultTableName;
    }

    /**
     * Sets where the rows live; required. Connections are taken for each operation and closed right after, so a
     * pooled data source is best.
     *
     * @param dataSource the database's data source, ideally a pool
     * @return this builder
     * @throws NullPointerException if {@code dataSource} is null
     */
    public final B dataSource(DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        return self();
    }

    /**
     * Sets the table; the store's {@code DEFAULT_TABLE_NAME} by default. Its indexes are named after it.
     *
     * @param tableName the table's name, unquoted
     * @return this builder
     * @throws NullPointerException     if {@code tableName} is null
     * @throws IllegalArgumentException if {@code tableName} is not a plain SQL identifier of at most 47
     *                                  characters: a letter or underscore, then letters, digits and underscores
     */
    public final B tableName(String tableName) {
        Objects.requireNonNull(tableName, "tableName");
        if (!PLAIN_IDENTIFIER.matcher(tableName).matches()) {
            throw new IllegalArgumentException("tableName must be a plain SQL identifier of at most 47 "
                    + "characters (letters, digits, underscores, not starting with a digit)");
        }
        this.tableName = tableName;
        return self();
    }

    /**
     * Sets the SQL dialect; by default it is detected from the database's product name on first use.
     *
     * @param dialect the SQL dialect of the database
     * @return this builder
     * @throws NullPointerException if {@code dialect} is null
     */
    public final B dialect(Dialect dialect) {
        this.dialect = Objects.requireNonNull(dialect, "dialect");
        return self();
    }

    /**
     * Sets whether the table and its index are created on first use if missing, from the dialect's schema
     * resource; false by default, for schemas managed by migrations.
     *
     * @param createTableIfMissing whether the store creates its table and index when they are missing
     * @return this builder
     */
    public final B createTableIfMissing(boolean createTableIfMissing) {
        this.createTableIfMissing = createTableIfMissing;
        return self();
    }

    /**
     * Sets how long one statement may run before the driver cancels it and the operation fails as unavailable;
     * 10 seconds by default, rounded up to whole seconds.
     *
     * @param timeout how long one statement may run
     * @return this builder
     * @throws NullPointerException     if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is not positive
     */
    public final B queryTimeout(Duration timeout) {
        long millis = Durations.millis(Objects.requireNonNull(timeout, "queryTimeout"));
        this.queryTimeoutSeconds = (int) Math.min(Integer.MAX_VALUE, (millis + 999) / 1000);
        return self();
    }

    final void requireDataSource() {
        if (dataSource == null) {
            throw new IllegalStateException("a dataSource is required");
        }
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }
}
