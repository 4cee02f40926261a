package ai.refold.webhooks.idempotency;

import ai.refold.webhooks.idempotency.JdbcIdempotencyStore.Dialect;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Whether a JDBC store's database refuses writes while it answers reads, asked without writing: one setting, no table
 * read. On PostgreSQL {@code transaction_read_only} is on in every transaction of a hot standby, and in those of a
 * primary whose {@code default_transaction_read_only} is on (for the database, the role or the session); H2 says
 * whether it was opened read-only ({@code ACCESS_MODE_DATA=r}, a read-only file). The reasons name settings, never a
 * URL or a user.
 */
final class ReadOnlyCheck {

    private static final String POSTGRESQL = "SELECT current_setting('transaction_read_only') = 'on'";
    private static final String H2 = "SELECT READONLY()";

    private ReadOnlyCheck() {
    }

    /**
     * Returns true if the database takes writes; never false.
     *
     * @throws StoreUnavailableException naming why it does not
     */
    static boolean requireWritable(JdbcSession<?> session, Connection connection, InboxStatements sql) throws SQLException {
        boolean postgres = sql.dialect() == Dialect.POSTGRESQL;
        try (PreparedStatement statement = session.prepare(connection, postgres ? POSTGRESQL : H2);
             ResultSet row = statement.executeQuery()) {
            if (row.next() && row.getBoolean(1)) {
                throw new StoreUnavailableException("inbox cannot store deliveries: " + (postgres
                        ? "the database's transactions are read-only (transaction_read_only is on: a hot standby,"
                        + " or default_transaction_read_only)" : "the database is open read-only"));
            }
            return true;
        }
    }
}
