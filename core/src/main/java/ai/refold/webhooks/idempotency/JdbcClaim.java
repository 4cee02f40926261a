package ai.refold.webhooks.idempotency;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** The claim of {@link JdbcIdempotencyStore}: one atomic statement, then, if it did not say, one short read. */
final class JdbcClaim {

    private static final String UNIQUE_VIOLATION = "23505";

    private JdbcClaim() {
    }

    /**
     * Tries to claim {@code key} once: returns what holds it, or null if its row changed under the attempt (expired
     * or released between the claim and the read) and the claim should be tried again.
     */
    static ClaimResult tryClaim(JdbcSession<JdbcStatements> session, Connection connection, JdbcStatements sql, String key, String owner, long leaseMillis)
            throws SQLException {
        try (PreparedStatement statement = session.prepare(connection, sql.claim())) {
            statement.setString(1, key);
            statement.setString(2, owner);
            statement.setLong(3, leaseMillis);
            if (sql.claimReturnsState()) {
                statement.setLong(4, leaseMillis);
                try (ResultSet row = statement.executeQuery()) {
                    if (row.next()) {
                        ClaimResult won = claimedFrom(row.getString(1));
                        JdbcSession.commitIfManual(connection);
                        return won;
                    }
                }
            } else {
                statement.executeUpdate();
            }
            JdbcSession.commitIfManual(connection);
        } catch (SQLException e) {
            // H2 reports an insert that lost the race to a concurrent one as a unique violation; being a statement
            // of its own, it rolled back alone and leaves nothing aborted.
            if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                throw e;
            }
            JdbcSession.rollbackQuietly(connection, e);
        }
        try (PreparedStatement statement = session.prepare(connection, sql.liveState())) {
            statement.setString(1, key);
            try (ResultSet row = statement.executeQuery()) {
                if (!row.next()) {
                    return null;
                }
                String state = row.getString(1);
                if (JdbcStatements.PROCESSING.equals(state)) {
                    return owner.equals(row.getString(2)) ? claimedFrom(row.getString(3)) : ClaimResult.IN_PROGRESS;
                }
                return JdbcStatements.COMPLETED.equals(state) ? ClaimResult.COMPLETED : null;
            }
        }
    }

    private static ClaimResult claimedFrom(String previousState) {
        if (JdbcStatements.PROCESSING.equals(previousState)) {
            return ClaimResult.RECLAIMED;
        }
        return JdbcStatements.RELEASED.equals(previousState) ? ClaimResult.RESUMED : ClaimResult.CLAIMED;
    }

}
