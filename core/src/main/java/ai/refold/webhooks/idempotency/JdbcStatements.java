package ai.refold.webhooks.idempotency;

import ai.refold.webhooks.idempotency.JdbcIdempotencyStore.Dialect;

/**
 * The SQL of {@link JdbcIdempotencyStore} in one dialect. Every time is the database's: {@code now} is its current
 * timestamp, and a lease or retention is added to it there, in milliseconds.
 *
 * <p>Parameters: claim (key, owner, lease millis); liveState (key) returning (state, owner); complete (retention
 * millis, key, owner); release (key, owner); purge (batch size).
 *
 * @param claimCountIsExact whether an update count above zero from {@code claim} proves the claim was won; MySQL
 *                          may count a duplicate left unchanged as one row, so there the row is read back
 */
record JdbcStatements(Dialect dialect, String claim, String liveState, String complete, String release,
                      String purge, boolean claimCountIsExact) {

    static final String PROCESSING = "PROCESSING";
    static final String COMPLETED = "COMPLETED";

    static JdbcStatements of(Dialect dialect, String table) {
        switch (dialect) {
            case POSTGRESQL:
                return postgresql(table);
            case MYSQL:
                return mysql(table);
            default:
                return h2(table);
        }
    }

    // INSERT ... ON CONFLICT DO UPDATE ... WHERE is atomic in PostgreSQL: it inserts, or locks the existing row and
    // takes it over only if expired, and never raises a unique violation that would abort the transaction.
    private static JdbcStatements postgresql(String table) {
        String now = "CURRENT_TIMESTAMP";
        String later = "CURRENT_TIMESTAMP + CAST(? AS BIGINT) * INTERVAL '1 millisecond'";
        String claim = "INSERT INTO " + table + " AS r (idempotency_key, owner_token, state, expires_at)"
                + " VALUES (?, ?, '" + PROCESSING + "', " + later + ")"
                + " ON CONFLICT (idempotency_key) DO UPDATE SET owner_token = EXCLUDED.owner_token,"
                + " state = EXCLUDED.state, expires_at = EXCLUDED.expires_at"
                + " WHERE r.expires_at <= " + now;
        // The CTE runs once, so LIMIT bounds the batch (a LIMIT subquery under IN may be re-run per row); the
        // outer condition keeps a row claimed anew meanwhile, and SKIP LOCKED lets instances purge side by side.
        String purge = "WITH batch AS (SELECT idempotency_key FROM " + table + " WHERE expires_at <= " + now
                + " ORDER BY expires_at LIMIT ? FOR UPDATE SKIP LOCKED)"
                + " DELETE FROM " + table + " r USING batch WHERE r.idempotency_key = batch.idempotency_key"
                + " AND r.expires_at <= " + now;
        return common(Dialect.POSTGRESQL, table, now, later, claim, purge, true);
    }

    // A single MERGE; an insert that loses to a concurrent one fails with a unique violation, which the store
    // treats as a lost claim.
    private static JdbcStatements h2(String table) {
        String now = "CURRENT_TIMESTAMP";
        String later = "DATEADD(MILLISECOND, s.lease_ms, CURRENT_TIMESTAMP)";
        String claim = "MERGE INTO " + table + " AS r USING (VALUES (CAST(? AS VARCHAR(200)),"
                + " CAST(? AS VARCHAR(200)), CAST(? AS BIGINT))) AS s(k, o, lease_ms)"
                + " ON r.idempotency_key = s.k"
                + " WHEN MATCHED AND r.expires_at <= " + now + " THEN UPDATE SET owner_token = s.o,"
                + " state = '" + PROCESSING + "', expires_at = " + later
                + " WHEN NOT MATCHED THEN INSERT (idempotency_key, owner_token, state, expires_at)"
                + " VALUES (s.k, s.o, '" + PROCESSING + "', " + later + ")";
        String purge = "DELETE FROM " + table + " WHERE idempotency_key IN (SELECT idempotency_key FROM " + table
                + " WHERE expires_at <= " + now + " ORDER BY expires_at FETCH FIRST ? ROWS ONLY)"
                + " AND expires_at <= " + now;
        return common(Dialect.H2, table, now, "DATEADD(MILLISECOND, CAST(? AS BIGINT), CURRENT_TIMESTAMP)",
                claim, purge, true);
    }

    // MySQL assigns left to right and later IF()s see earlier assignments, so expires_at, which they test, is
    // assigned last. Times are UTC so that a change of the session's time zone cannot move them.
    private static JdbcStatements mysql(String table) {
        String now = "UTC_TIMESTAMP(6)";
        String later = "TIMESTAMPADD(MICROSECOND, ? * 1000, UTC_TIMESTAMP(6))";
        String expired = "expires_at <= " + now;
        String claim = "INSERT INTO " + table + " (idempotency_key, owner_token, state, expires_at)"
                + " VALUES (?, ?, '" + PROCESSING + "', " + later + ")"
                + " ON DUPLICATE KEY UPDATE"
                + " owner_token = IF(" + expired + ", VALUES(owner_token), owner_token),"
                + " state = IF(" + expired + ", VALUES(state), state),"
                + " expires_at = IF(" + expired + ", VALUES(expires_at), expires_at)";
        String purge = "DELETE FROM " + table + " WHERE expires_at <= " + now + " ORDER BY expires_at LIMIT ?";
        return common(Dialect.MYSQL, table, now, later, claim, purge, false);
    }

    private static JdbcStatements common(Dialect dialect, String table, String now, String later, String claim,
                                         String purge, boolean claimCountIsExact) {
        String liveState = "SELECT state, owner_token FROM " + table
                + " WHERE idempotency_key = ? AND expires_at > " + now;
        String complete = "UPDATE " + table + " SET state = '" + COMPLETED + "', owner_token = NULL,"
                + " expires_at = " + later
                + " WHERE idempotency_key = ? AND owner_token = ? AND state = '" + PROCESSING + "'"
                + " AND expires_at > " + now;
        String release = "DELETE FROM " + table
                + " WHERE idempotency_key = ? AND owner_token = ? AND state = '" + PROCESSING + "'"
                + " AND expires_at > " + now;
        return new JdbcStatements(dialect, claim, liveState, complete, release, purge, claimCountIsExact);
    }
}
