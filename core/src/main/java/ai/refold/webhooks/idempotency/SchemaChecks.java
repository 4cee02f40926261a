package ai.refold.webhooks.idempotency;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which statements of a store's schema would change nothing on the table as it is, and are skipped: on PostgreSQL
 * both {@code ALTER TABLE ... ADD COLUMN IF NOT EXISTS} and {@code CREATE INDEX IF NOT EXISTS} lock the table before
 * they find the column or index there (the whole table, or against every writer), so an instance starting on an
 * up-to-date table would wait behind any transaction open on it, and every writer after it would wait behind it.
 * Looked up in the connection's current schema, where unqualified names resolve first: another schema's table of the
 * same name does not stand in for the store's.
 */
final class SchemaChecks {

    private static final Pattern ADDED_COLUMN = Pattern.compile(
            "(?is)ALTER TABLE\\s+(\\w+)\\s+ADD COLUMN IF NOT EXISTS\\s+(\\w+)\\s.*");
    private static final Pattern CREATED_INDEX = Pattern.compile(
            "(?is)CREATE\\s+(?:UNIQUE\\s+)?INDEX IF NOT EXISTS\\s+(\\w+)\\s+ON\\s+(\\w+)\\b.*");

    private SchemaChecks() {
    }

    /** Returns whether {@code ddl} adds a column or creates an index that is there already. */
    static boolean changesNothing(Connection connection, String ddl) throws SQLException {
        Matcher column = ADDED_COLUMN.matcher(ddl);
        if (column.matches()) {
            DatabaseMetaData metadata = connection.getMetaData();
            // Patterns: the names' own _ and % match only themselves, or another table or column stands in.
            String schema = connection.getSchema() == null ? null : literal(metadata, connection.getSchema());
            try (ResultSet found = metadata.getColumns(null, schema, literal(metadata, stored(metadata,
                    column.group(1))), literal(metadata, stored(metadata, column.group(2))))) {
                return found.next();
            }
        }
        Matcher index = CREATED_INDEX.matcher(ddl);
        if (index.matches()) {
            DatabaseMetaData metadata = connection.getMetaData();
            try (ResultSet found = metadata.getIndexInfo(null, connection.getSchema(),
                    stored(metadata, index.group(2)), false, true)) {
                while (found.next()) {
                    if (index.group(1).equalsIgnoreCase(found.getString("INDEX_NAME"))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    // A name as a metadata search pattern that matches only itself.
    private static String literal(DatabaseMetaData metadata, String name) throws SQLException {
        return name.replaceAll("([_%])", Matcher.quoteReplacement(metadata.getSearchStringEscape()) + "$1");
    }

    // As the database keeps an unquoted name: PostgreSQL lower-cased, H2 upper-cased.
    private static String stored(DatabaseMetaData metadata, String name) throws SQLException {
        return metadata.storesUpperCaseIdentifiers() ? name.toUpperCase(Locale.ROOT)
                : metadata.storesLowerCaseIdentifiers() ? name.toLowerCase(Locale.ROOT) : name;
    }
}
