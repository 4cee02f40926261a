package ai.refold.webhooks.idempotency;

import ai.refold.webhooks.idempotency.JdbcIdempotencyStore.Dialect;

/**
 * The SQL of {@link JdbcInboxStore} in one dialect. Due times, leases and retention are the database's: a delay is
 * added to its current timestamp there, in milliseconds. Statements that end a taken entry match it only while its
 * worker holds it ({@code held}: key, owner, PROCESSING), whether or not the lease ran out.
 *
 * @param takeReturnsRows whether {@code take} takes and returns the rows in one statement (PostgreSQL's
 *                        {@code RETURNING}); otherwise the store selects, updates and reads back in a transaction
 */
record InboxStatements(Dialect dialect, String table, String offer, String offerTaken, boolean offerIgnoresDuplicates,
                       String take, boolean takeReturnsRows, String takeOne, String renew, String done, String retry,
                       String dead, String giveUp, String release, String find, String purge, String counts,
                       String estimateDone, String oldestDue) {

    static final String COLUMNS = "idempotency_key, event_type, key_label, headers, body, received_at, state,"
            + " attempts, next_attempt_at, rerun, done_handlers, last_error, ordering_key";
    private static final String HELD = " WHERE idempotency_key = ? AND owner_token = ? AND state = 'PROCESSING'";
    private static final String DUE = "state IN ('PENDING', 'PROCESSING') AND next_attempt_at <= CURRENT_TIMESTAMP";
    // What a take adds to a row's attempts: one for a taken row's, lost with its worker.
    private static final String LOST = " attempts = r.attempts + CASE WHEN r.state = 'PROCESSING' THEN 1 ELSE 0 END,";

    // A due row of alias r is free unless another row with its ordering key is taken, or, for a pending row, one
    // received before it (then by key) is pending: a taken row whose lease ran out is its key's running row, and is
    // taken again whatever waits (else a row stored late behind it, or replayed, and it would wait for each other).
    // The bound on received_at is the ordered index's range: a row first in line reads no entry. What two takers
    // cannot see of each other (an uncommitted take) the unique index of taken ordered rows settles: the second take
    // fails, and is tried again.
    private static String free(String table) {
        return " AND (r.ordering_key IS NULL OR NOT EXISTS (SELECT 1 FROM " + table + " p"
                + " WHERE p.ordering_key = r.ordering_key AND p.state = 'PROCESSING'"
                + " AND p.idempotency_key <> r.idempotency_key)"
                + " AND (r.state = 'PROCESSING' OR NOT EXISTS (SELECT 1 FROM " + table + " e"
                + " WHERE e.ordering_key = r.ordering_key AND e.state = 'PENDING' AND e.received_at <= r.received_at"
                + " AND (e.received_at < r.received_at OR e.idempotency_key < r.idempotency_key))))";
    }

    static InboxStatements of(Dialect dialect, String table) {
        // On PostgreSQL a lease or delay runs from when the row is written (clock_timestamp()), not from the start of a
        // transaction that may have waited for a lock meanwhile (CURRENT_TIMESTAMP); H2 has only the latter.
        String later = dialect == Dialect.POSTGRESQL
                ? "clock_timestamp() + CAST(? AS BIGINT) * INTERVAL '1 millisecond'"
                : "DATEADD(MILLISECOND, CAST(? AS BIGINT), CURRENT_TIMESTAMP)";
        String into = "INSERT INTO " + table + " (idempotency_key, event_type, key_label, headers, body,"
                + " received_at, ordering_key, state, attempts, next_attempt_at, rerun, owner_token)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ";
        String insert = into + "'PENDING', 0, CURRENT_TIMESTAMP, FALSE, NULL)";
        // Parameters as the insert's, then lease millis and owner: the row as take would leave it.
        String insertTaken = into + "'PROCESSING', 0, " + later + ", FALSE, ?)";
        boolean postgres = dialect == Dialect.POSTGRESQL;
        String ignoring = postgres ? " ON CONFLICT (idempotency_key) DO NOTHING" : "";
        String offer = insert + ignoring;
        String offerTaken = insertTaken + ignoring;
        // Parameters: max, owner, lease millis. The lock makes instances taking side by side skip each other's rows.
        // A taken row taken again is an attempt its worker never ended (a crash, a kill): it counts, so that a delivery
        // that takes down every worker that runs it still ends dead; and rerun records it, and stays set until the row
        // is done (a dead row keeps it for its replay): that worker may have run the handlers in full, whatever the
        // attempts after it did. RETURNING yields rows in whatever order the join back to the table produced (a hash
        // join: table order), so the rows are sorted once taken.
        String free = free(table);
        String take = postgres
                ? "WITH due AS (SELECT idempotency_key, next_attempt_at FROM " + table + " r WHERE " + DUE + free
                        + " ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED),"
                        + " taken AS (UPDATE " + table + " r SET owner_token = ?," + LOST
                        + " rerun = (r.state = 'PROCESSING' OR r.rerun),"
                        + " state = 'PROCESSING', next_attempt_at = " + later
                        + " FROM due WHERE r.idempotency_key = due.idempotency_key RETURNING " + qualified("r")
                        + ", due.next_attempt_at AS was_due)"
                        + " SELECT " + COLUMNS + " FROM taken ORDER BY was_due, idempotency_key"
                : "SELECT idempotency_key FROM " + table + " r WHERE " + DUE + free
                        + " ORDER BY next_attempt_at FETCH FIRST ? ROWS ONLY FOR UPDATE";
        String takeOne = "UPDATE " + table + " r SET owner_token = ?," + LOST
                + " rerun = (state = 'PROCESSING' OR rerun),"
                + " state = 'PROCESSING', next_attempt_at = " + later + " WHERE idempotency_key = ? AND " + DUE + free;
        String renew = "UPDATE " + table + " SET next_attempt_at = " + later + HELD;
        String done = "UPDATE " + table + " SET state = 'DONE', owner_token = NULL, rerun = FALSE,"
                + " done_handlers = NULL, next_attempt_at = " + later + HELD;
        String retry = "UPDATE " + table + " SET state = 'PENDING', owner_token = NULL,"
                + " attempts = attempts + 1, done_handlers = ?, last_error = ?, next_attempt_at = " + later + HELD;
        // Given up (taken with no attempt left, the last one counted by the take that found it lost): dead as any
        // other, and no attempt counted.
        String deadWith = " done_handlers = ?, last_error = ?, next_attempt_at = CURRENT_TIMESTAMP" + HELD;
        String dead = "UPDATE " + table + " SET state = 'DEAD', owner_token = NULL, attempts = attempts + 1,"
                + deadWith;
        String giveUp = "UPDATE " + table + " SET state = 'DEAD', owner_token = NULL," + deadWith;
        String release = "UPDATE " + table + " SET state = 'PENDING', owner_token = NULL,"
                + " next_attempt_at = CURRENT_TIMESTAMP" + HELD;
        String find = "SELECT " + COLUMNS + " FROM " + table + " WHERE idempotency_key = ?";
        String purge = "DELETE FROM " + table + " WHERE idempotency_key IN (SELECT idempotency_key FROM " + table
                + " WHERE state = 'DONE' AND next_attempt_at <= CURRENT_TIMESTAMP ORDER BY next_attempt_at"
                + (postgres ? " LIMIT ?" : " FETCH FIRST ? ROWS ONLY") + ")";
        // On PostgreSQL one count per partial index, so that none of them reads the whole table, and the done rows (all
        // those kept for their retention, millions on a busy receiver) counted only up to one past the exact limit:
        // past it, estimate_done gives the planner's estimate, which reads no row.
        String counts = postgres
                ? "SELECT state, COUNT(*) FROM " + table + " WHERE state IN ('PENDING', 'PROCESSING') GROUP BY state"
                        + " UNION ALL SELECT 'DONE', COUNT(*) FROM (SELECT 1 FROM " + table + " WHERE state = 'DONE'"
                        + " LIMIT " + (InboxStats.EXACT_COUNT_LIMIT + 1) + ") done"
                        + " UNION ALL SELECT 'DEAD', COUNT(*) FROM " + table + " WHERE state = 'DEAD'"
                : "SELECT state, COUNT(*) FROM " + table + " GROUP BY state";
        String estimateDone = postgres ? "EXPLAIN SELECT 1 FROM " + table + " WHERE state = 'DONE'" : null;
        // Due as take sees it: a taken row whose lease ran out (its worker crashed) waits as much as a pending one, and
        // a row held back behind an earlier one of its ordering key is not waiting for a worker.
        String oldestDue = "SELECT MIN(next_attempt_at) FROM " + table + " r WHERE " + DUE + free;
        return new InboxStatements(dialect, table, offer, offerTaken, postgres, take, postgres, takeOne, renew, done,
                retry, dead, giveUp, release, find, purge, counts, estimateDone, oldestDue);
    }

    /** Returns the SELECT that lists (or, as a subquery of keys, replays and discards) what a query matches. */
    String select(String columns, InboxQuery query) {
        StringBuilder sql = new StringBuilder("SELECT ").append(columns).append(" FROM ").append(table)
                .append(" WHERE state IN (");
        for (int i = 0; i < query.states().size(); i++) {
            sql.append(i == 0 ? "?" : ", ?");
        }
        sql.append(')');
        query.key().ifPresent(key -> sql.append(" AND idempotency_key = ?"));
        query.eventType().ifPresent(type -> sql.append(type.equals("unknown") ? " AND event_type IS NULL"
                : " AND event_type = ?"));
        query.receivedFrom().ifPresent(from -> sql.append(" AND received_at >= ?"));
        query.receivedUntil().ifPresent(until -> sql.append(" AND received_at < ?"));
        sql.append(" ORDER BY received_at, idempotency_key");
        return sql.append(dialect == Dialect.POSTGRESQL ? " LIMIT ?" : " FETCH FIRST ? ROWS ONLY").toString();
    }

    private static String qualified(String alias) {
        return alias + "." + COLUMNS.replace(", ", ", " + alias + ".");
    }
}
