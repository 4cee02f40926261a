package ai.refold.webhooks.idempotency;

import ai.refold.webhooks.idempotency.JdbcIdempotencyStore.Dialect;

/**
 * The SQL of {@link JdbcInboxStore} in one dialect. Due times, leases and retention are the database's: a delay is
 * added to its current timestamp there, in milliseconds. Statements that end a taken entry match it only while its
 * worker holds it ({@code held}: key, owner, PROCESSING), whether or not the lease ran out.
 *
 * @param takeReturnsRows whether {@code take} takes and returns the rows in one statement (PostgreSQL's
 *                        {@code RETURNING}); otherwise the store selects, updates and reads back in a transaction
 * @param wake            the statement that wakes the first row parked behind an ordering key, if take parks rows
 *                        (then {@code done} and {@code dead} return the ordering key of the row they end)
 */
record InboxStatements(Dialect dialect, String table, String offer, String offerTaken, boolean offerIgnoresDuplicates,
                       String take, boolean takeReturnsRows, String takeOne, String renew, String done, String retry,
                       String dead, String wake, String release, String find, String purge, String counts,
                       String oldestDue) {

    static final String COLUMNS = "idempotency_key, event_type, key_label, headers, body, received_at, state,"
            + " attempts, next_attempt_at, rerun, done_handlers, last_error, ordering_key";
    private static final String HELD = " WHERE idempotency_key = ? AND owner_token = ? AND state = 'PROCESSING'";
    private static final String DUE = "state IN ('PENDING', 'PROCESSING') AND next_attempt_at <= CURRENT_TIMESTAMP";

    // Another row of r's ordering key is taken.
    private static String running(String table) {
        return "EXISTS (SELECT 1 FROM " + table + " p WHERE p.ordering_key = r.ordering_key"
                + " AND p.state = 'PROCESSING' AND p.idempotency_key <> r.idempotency_key)";
    }

    // A row of r's ordering key received before it (then by key) is pending. The bound on received_at is the ordered
    // index's range: a row first in line reads no entry.
    private static String earlier(String table) {
        return "EXISTS (SELECT 1 FROM " + table + " e WHERE e.ordering_key = r.ordering_key AND e.state = 'PENDING'"
                + " AND e.received_at <= r.received_at"
                + " AND (e.received_at < r.received_at OR e.idempotency_key < r.idempotency_key))";
    }

    // A due row of alias r is free unless another row of its ordering key is taken, or, for a pending row, one
    // received before it is pending. A taken row whose lease ran out is its key's running row and is taken again
    // whatever waits (else a row stored late behind it, or replayed, and it would wait for each other). What two
    // takers cannot see of each other (an uncommitted take) the unique index of taken ordered rows settles: the
    // second take fails, and is tried again.
    private static String free(String table) {
        return " AND (r.ordering_key IS NULL OR (NOT " + running(table) + " AND (r.state = 'PROCESSING' OR NOT "
                + earlier(table) + ")))";
    }

    // PostgreSQL: the pending rows held back that a take read past (due no later than the last row it took, or all
    // due ones if it took none) are parked a lease ahead, so that the next takes do not read them again; the end of
    // the row they wait for wakes the first of them (wake). A wake-up lost to a race costs at most that lease.
    private static String parked(String table, String later) {
        return " parked AS (UPDATE " + table + " h SET next_attempt_at = " + later
                + " FROM (SELECT r.idempotency_key FROM " + table + " r WHERE r.ordering_key IS NOT NULL"
                + " AND r.state = 'PENDING'"
                + " AND r.next_attempt_at <= COALESCE((SELECT MAX(next_attempt_at) FROM due), CURRENT_TIMESTAMP)"
                + " AND (" + running(table) + " OR " + earlier(table) + ") FOR UPDATE SKIP LOCKED) b"
                + " WHERE h.idempotency_key = b.idempotency_key)";
    }

    static InboxStatements of(Dialect dialect, String table) {
        String later = dialect == Dialect.POSTGRESQL ? "CURRENT_TIMESTAMP + CAST(? AS BIGINT) * INTERVAL '1 millisecond'"
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
        // Parameters: max, owner, lease millis (PostgreSQL: lease millis again, to park). The lock makes instances taking side by side skip each other's rows;
        // rerun records that a taken row's previous worker never ended it, and stays set until the row is done or
        // dead: that worker may have run the handlers in full, whatever the attempts after it did. RETURNING yields
        // rows in whatever order the join back to the table produced (a hash join: table order), so the rows are
        // sorted once taken.
        String free = free(table);
        String take = postgres
                ? "WITH due AS (SELECT idempotency_key, next_attempt_at FROM " + table + " r WHERE " + DUE + free
                        + " ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED),"
                        + " taken AS (UPDATE " + table + " r SET owner_token = ?,"
                        + " rerun = (r.state = 'PROCESSING' OR r.rerun),"
                        + " state = 'PROCESSING', next_attempt_at = " + later
                        + " FROM due WHERE r.idempotency_key = due.idempotency_key RETURNING " + qualified("r")
                        + ", due.next_attempt_at AS was_due)," + parked(table, later)
                        + " SELECT " + COLUMNS + " FROM taken ORDER BY was_due, idempotency_key"
                : "SELECT idempotency_key FROM " + table + " r WHERE " + DUE + free
                        + " ORDER BY next_attempt_at FETCH FIRST ? ROWS ONLY FOR UPDATE";
        String takeOne = "UPDATE " + table + " r SET owner_token = ?, rerun = (state = 'PROCESSING' OR rerun),"
                + " state = 'PROCESSING', next_attempt_at = " + later + " WHERE idempotency_key = ? AND " + DUE + free;
        String renew = "UPDATE " + table + " SET next_attempt_at = " + later + HELD;
        // On PostgreSQL the end of a row names its ordering key, so that the first row parked behind it is woken.
        String ended = postgres ? " RETURNING ordering_key" : "";
        String done = "UPDATE " + table + " SET state = 'DONE', owner_token = NULL, rerun = FALSE,"
                + " done_handlers = NULL, next_attempt_at = " + later + HELD + ended;
        String retry = "UPDATE " + table + " SET state = 'PENDING', owner_token = NULL,"
                + " attempts = attempts + 1, done_handlers = ?, last_error = ?, next_attempt_at = " + later + HELD;
        String dead = "UPDATE " + table + " SET state = 'DEAD', owner_token = NULL, rerun = FALSE,"
                + " attempts = attempts + 1, done_handlers = ?, last_error = ?, next_attempt_at = CURRENT_TIMESTAMP"
                + HELD + ended;
        // Parameter: the ordering key. Only a parked first row is woken, never one waiting for its own retry.
        String wake = postgres ? "UPDATE " + table + " SET next_attempt_at = CURRENT_TIMESTAMP"
                + " WHERE idempotency_key = (SELECT idempotency_key FROM " + table + " WHERE ordering_key = ?"
                + " AND state = 'PENDING' ORDER BY received_at, idempotency_key LIMIT 1)"
                + " AND attempts = 0 AND next_attempt_at > CURRENT_TIMESTAMP" : null;
        String release = "UPDATE " + table + " SET state = 'PENDING', owner_token = NULL,"
                + " next_attempt_at = CURRENT_TIMESTAMP" + HELD;
        String find = "SELECT " + COLUMNS + " FROM " + table + " WHERE idempotency_key = ?";
        String purge = "DELETE FROM " + table + " WHERE idempotency_key IN (SELECT idempotency_key FROM " + table
                + " WHERE state = 'DONE' AND next_attempt_at <= CURRENT_TIMESTAMP ORDER BY next_attempt_at"
                + (postgres ? " LIMIT ?" : " FETCH FIRST ? ROWS ONLY") + ")";
        // On PostgreSQL one count per partial index, so that none of them reads the whole table.
        String counts = postgres
                ? "SELECT state, COUNT(*) FROM " + table + " WHERE state IN ('PENDING', 'PROCESSING') GROUP BY state"
                        + " UNION ALL SELECT 'DONE', COUNT(*) FROM " + table + " WHERE state = 'DONE'"
                        + " UNION ALL SELECT 'DEAD', COUNT(*) FROM " + table + " WHERE state = 'DEAD'"
                : "SELECT state, COUNT(*) FROM " + table + " GROUP BY state";
        // Due as take sees it: a taken row whose lease ran out (its worker crashed) waits as much as a pending one, and
        // a row held back behind an earlier one of its ordering key is not waiting for a worker.
        String oldestDue = "SELECT MIN(next_attempt_at) FROM " + table + " r WHERE " + DUE + free;
        return new InboxStatements(dialect, table, offer, offerTaken, postgres, take, postgres, takeOne, renew, done,
                retry, dead, wake, release, find, purge, counts, oldestDue);
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
