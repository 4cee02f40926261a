package ai.refold.webhooks.idempotency;

import ai.refold.webhooks.idempotency.JdbcIdempotencyStore.Dialect;

/**
 * The SQL of {@link JdbcIdempotencyStore} in one dialect. Every time is the database's: {@code now} is its current
 * timestamp, and a lease or retention is added there, in milliseconds, to the time the row is written (on H2, which
 * has no such clock, to the statement's start).
 *
 * <p>Parameters: claim (key, owner, lease millis, and on PostgreSQL lease millis again); liveState (key) returning
 * (state, owner, previous state); renew (lease millis, key, owner); complete (retention millis, key, owner); release
 * (key, owner); releaseWithProgress (done handlers, retention millis, key, owner); doneHandlers (key); leaseRemaining
 * (key) returning milliseconds; purge (batch size).
 *
 * <p>A claim that takes a row over records what the row held in {@code previous_state}: {@code PROCESSING} (an
 * expired claim: RECLAIMED), {@code RELEASED} (a release with progress: RESUMED), or null (absent, or a settled row
 * whose retention ran out: CLAIMED). Done handlers survive a take-over and a resumption, and are cleared otherwise.
 *
 * @param claimReturnsState whether the claim statement returns the new row's previous state (PostgreSQL's
 *                          {@code RETURNING}); otherwise the row is read back
 */
record JdbcStatements(Dialect dialect, String claim, boolean claimReturnsState, String liveState, String renew,
                      String complete, String release, String releaseWithProgress, String doneHandlers,
                      String leaseRemaining, String purge) {

    static final String PROCESSING = "PROCESSING";
    static final String COMPLETED = "COMPLETED";
    static final String RELEASED = "RELEASED";

    // A time a parameter's milliseconds after the row is written, as every store of this package writes leases and
    // delays: on PostgreSQL from clock_timestamp() (see postgresql below); on H2, which has no clock that moves within
    // a transaction, from its start, with the milliseconds as a parameter or as a MERGE source's lease_ms.
    static final String POSTGRESQL_LATER = "clock_timestamp() + CAST(? AS BIGINT) * INTERVAL '1 millisecond'";
    static final String H2_LATER = "DATEADD(MILLISECOND, CAST(? AS BIGINT), CURRENT_TIMESTAMP)";
    static final String H2_SOURCE_LATER = "DATEADD(MILLISECOND, s.lease_ms, CURRENT_TIMESTAMP)";

    // The columns a claim sets when it takes an existing row r over.
    private static final String TAKE_OVER = " previous_state = CASE WHEN r.state = '" + PROCESSING + "' THEN '"
            + PROCESSING + "' WHEN r.state = '" + RELEASED + "' AND r.expires_at > %1$s THEN '" + RELEASED
            + "' END, done_handlers = CASE WHEN r.state = '" + PROCESSING + "' OR r.state = '" + RELEASED
            + "' AND r.expires_at > %1$s THEN r.done_handlers END";
    // A row a claim may take: a lease or retention that ran out, or a release with progress.
    private static final String TAKEABLE = "(r.expires_at <= %1$s OR r.state = '" + RELEASED + "')";

    static JdbcStatements of(Dialect dialect, String table) {
        return dialect == Dialect.POSTGRESQL ? postgresql(table) : h2(table);
    }

    // INSERT ... ON CONFLICT DO UPDATE ... WHERE is atomic in PostgreSQL: it inserts, or locks the existing row and
    // takes it over only if takeable, and never raises a unique violation that would abort the transaction.
    private static JdbcStatements postgresql(String table) {
        String now = "CURRENT_TIMESTAMP";
        // A lease ends a lease after the row is written: clock_timestamp(), read once the statement has its locks, not
        // CURRENT_TIMESTAMP, the start of a transaction that may have waited for them (behind a migration holding the
        // table, say), which would shorten the lease by the wait. The take-over reads the clock again, after waiting
        // for the row, where EXCLUDED holds what the insert read before.
        String later = POSTGRESQL_LATER;
        String claim = "INSERT INTO " + table + " AS r (idempotency_key, owner_token, state, expires_at)"
                + " VALUES (?, ?, '" + PROCESSING + "', " + later + ")"
                + " ON CONFLICT (idempotency_key) DO UPDATE SET owner_token = EXCLUDED.owner_token,"
                + " state = EXCLUDED.state, expires_at = " + later + "," + String.format(TAKE_OVER, now)
                + " WHERE " + String.format(TAKEABLE, now) + " RETURNING previous_state";
        // The CTE runs once, so LIMIT bounds the batch (a LIMIT subquery under IN may be re-run per row); the
        // outer condition keeps a row claimed anew meanwhile, and SKIP LOCKED lets instances purge side by side.
        String purge = "WITH batch AS (SELECT idempotency_key FROM " + table + " r WHERE " + purgeable(now,
                "INTERVAL '1 day'") + " ORDER BY expires_at LIMIT ? FOR UPDATE SKIP LOCKED)"
                + " DELETE FROM " + table + " r USING batch WHERE r.idempotency_key = batch.idempotency_key"
                + " AND " + purgeable(now, "INTERVAL '1 day'");
        String remaining = "SELECT CAST(EXTRACT(EPOCH FROM (expires_at - " + now + ")) * 1000 AS BIGINT)";
        return common(Dialect.POSTGRESQL, table, now, later, claim, true, remaining, purge);
    }

    // A single MERGE; an insert that loses to a concurrent one fails with a unique violation, which the store
    // treats as a lost claim. The new row is read back for its previous state.
    private static JdbcStatements h2(String table) {
        String now = "CURRENT_TIMESTAMP";
        String later = H2_SOURCE_LATER;
        // Case-sensitive, as the columns are: on a database started with IGNORECASE=TRUE a plain VARCHAR would not be.
        String claim = "MERGE INTO " + table + " AS r USING (VALUES (CAST(? AS VARCHAR_CASESENSITIVE(200)),"
                + " CAST(? AS VARCHAR_CASESENSITIVE(200)), CAST(? AS BIGINT))) AS s(k, o, lease_ms)"
                + " ON r.idempotency_key = s.k"
                + " WHEN MATCHED AND " + String.format(TAKEABLE, now) + " THEN UPDATE SET owner_token = s.o,"
                + " state = '" + PROCESSING + "', expires_at = " + later + "," + String.format(TAKE_OVER, now)
                + " WHEN NOT MATCHED THEN INSERT (idempotency_key, owner_token, state, expires_at)"
                + " VALUES (s.k, s.o, '" + PROCESSING + "', " + later + ")";
        String purge = "DELETE FROM " + table + " r WHERE idempotency_key IN (SELECT idempotency_key FROM " + table
                + " r WHERE " + purgeable(now, "INTERVAL '1' DAY") + " ORDER BY expires_at FETCH FIRST ? ROWS ONLY)"
                + " AND " + purgeable(now, "INTERVAL '1' DAY");
        String remaining = "SELECT DATEDIFF(MILLISECOND, " + now + ", expires_at)";
        return common(Dialect.H2, table, now, H2_LATER, claim, false, remaining, purge);
    }

    // Settled rows whose retention ran out; claims whose lease ran out a day ago, kept that long so that a late
    // copy is still told that an earlier attempt may have run (RECLAIMED) and which handlers it recorded.
    private static String purgeable(String now, String day) {
        return "r.expires_at <= " + now + " AND (r.state <> '" + PROCESSING + "' OR r.expires_at <= " + now + " - "
                + day + ")";
    }

    private static JdbcStatements common(Dialect dialect, String table, String now, String later, String claim,
                                         boolean claimReturnsState, String remaining, String purge) {
        String held = " WHERE idempotency_key = ? AND owner_token = ? AND state = '" + PROCESSING + "'";
        String liveState = "SELECT state, owner_token, previous_state FROM " + table
                + " WHERE idempotency_key = ? AND expires_at > " + now;
        String renew = "UPDATE " + table + " SET expires_at = " + later + held;
        String complete = "UPDATE " + table + " SET state = '" + COMPLETED + "', owner_token = NULL,"
                + " previous_state = NULL, done_handlers = NULL, expires_at = " + later + held;
        String release = "DELETE FROM " + table + held;
        String releaseWithProgress = "UPDATE " + table + " SET state = '" + RELEASED + "', owner_token = NULL,"
                + " previous_state = NULL, done_handlers = ?, expires_at = " + later + held;
        String doneHandlers = "SELECT done_handlers FROM " + table + " WHERE idempotency_key = ?";
        String leaseRemaining = remaining + " FROM " + table + " WHERE idempotency_key = ? AND state = '"
                + PROCESSING + "'";
        return new JdbcStatements(dialect, claim, claimReturnsState, liveState, renew, complete, release,
                releaseWithProgress, doneHandlers, leaseRemaining, purge);
    }
}
