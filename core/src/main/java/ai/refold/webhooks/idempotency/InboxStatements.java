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

    // An offer stores a new row, or replaces a done row whose retention ran out (purged or not: a new event with its
    // key, as a claim of the idempotency store takes such a row) with the delivery as new; any other row is a
    // duplicate. Parameters: key, event type, key label, headers, body, received at, ordering key.
    private static final String REPLACEABLE = "r.state = 'DONE' AND r.next_attempt_at <= CURRENT_TIMESTAMP";
    private static final String AS_NEW = " attempts = 0, rerun = FALSE, done_handlers = NULL, last_error = NULL";

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
        String later = dialect == Dialect.POSTGRESQL ? JdbcStatements.POSTGRESQL_LATER : JdbcStatements.H2_LATER;
        boolean postgres = dialect == Dialect.POSTGRESQL;
        String offer = postgres ? postgresOffer(table, "'PENDING'", "CURRENT_TIMESTAMP", "NULL")
                : h2Offer(table, false);
        // Parameters as the offer's, then lease millis and owner: the row as take would leave it.
        String offerTaken = postgres ? postgresOffer(table, "'PROCESSING'", later, "?") : h2Offer(table, true);
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
        // The outer condition is checked again against a row an offer replaced while the purge waited for it
        // (PostgreSQL rechecks only the DELETE's own conditions): without it the new delivery was deleted. Not the
        // idempotency store's CTE with FOR UPDATE SKIP LOCKED: that purge skips a row an offer holds instead of waiting
        // for it (PostgresJdbcInboxStoreTest.aPurgeRacing... pins the wait); and a subquery with no locking clause
        // reads the statement's one snapshot, so LIMIT bounds the batch however often the subquery is scanned.
        String expired = "state = 'DONE' AND next_attempt_at <= CURRENT_TIMESTAMP";
        String purge = "DELETE FROM " + table + " WHERE " + expired + " AND idempotency_key IN (SELECT idempotency_key"
                + " FROM " + table + " WHERE " + expired + " ORDER BY next_attempt_at"
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

    // ON CONFLICT ... DO UPDATE ... WHERE inserts, or locks the existing row and replaces it only if it still matches
    // once locked: of two offers of one key, one replaces it and the other updates nothing. The lease is the one the
    // insert computed: between the two the statement waits only for that row's lock, which only a replacing offer or
    // a purge holds (then this offer replaces nothing, or inserts).
    private static String postgresOffer(String table, String state, String due, String owner) {
        return "INSERT INTO " + table + " AS r (idempotency_key, event_type, key_label, headers, body, received_at,"
                + " ordering_key, state, attempts, next_attempt_at, rerun, owner_token)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, " + state + ", 0, " + due + ", FALSE, " + owner + ")"
                + " ON CONFLICT (idempotency_key) DO UPDATE SET event_type = EXCLUDED.event_type,"
                + " key_label = EXCLUDED.key_label, headers = EXCLUDED.headers, body = EXCLUDED.body,"
                + " received_at = EXCLUDED.received_at, ordering_key = EXCLUDED.ordering_key, state = EXCLUDED.state,"
                + " next_attempt_at = EXCLUDED.next_attempt_at, owner_token = EXCLUDED.owner_token," + AS_NEW
                + " WHERE " + REPLACEABLE;
    }

    // One MERGE: H2 locks a matched row and checks the condition again once it has it, so that of two offers of one
    // key one replaces the row and the other matches nothing; two inserts of one key fail the second with a unique
    // violation, a duplicate. Parameters as PostgreSQL's. The casts keep keys and owners case-sensitive, and name no
    // length: a value too long for its column fails the row, as an insert's would, rather than being cut short.
    private static String h2Offer(String table, boolean taken) {
        String owner = taken ? "s.o" : "NULL";
        String state = taken ? "'PROCESSING'" : "'PENDING'";
        String due = taken ? JdbcStatements.H2_SOURCE_LATER : "CURRENT_TIMESTAMP";
        return "MERGE INTO " + table + " AS r USING (VALUES (CAST(? AS VARCHAR_CASESENSITIVE),"
                + " CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS BLOB),"
                + " CAST(? AS TIMESTAMP WITH TIME ZONE), CAST(? AS VARCHAR_CASESENSITIVE)"
                + (taken ? ", CAST(? AS BIGINT), CAST(? AS VARCHAR_CASESENSITIVE)" : "")
                + ")) AS s(k, event_type, key_label, headers, body, received_at, ordering_key"
                + (taken ? ", lease_ms, o" : "") + ") ON r.idempotency_key = s.k"
                + " WHEN MATCHED AND " + REPLACEABLE + " THEN UPDATE SET event_type = s.event_type,"
                + " key_label = s.key_label, headers = s.headers, body = s.body, received_at = s.received_at,"
                + " ordering_key = s.ordering_key, state = " + state + ", next_attempt_at = " + due
                + ", owner_token = " + owner + "," + AS_NEW
                + " WHEN NOT MATCHED THEN INSERT (idempotency_key, event_type, key_label, headers, body, received_at,"
                + " ordering_key, state, attempts, next_attempt_at, rerun, owner_token) VALUES (s.k, s.event_type,"
                + " s.key_label, s.headers, s.body, s.received_at, s.ordering_key, " + state + ", 0, " + due
                + ", FALSE, " + owner + ")";
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
        query.eventType().ifPresent(type -> sql.append(type.equals(InboxQuery.UNKNOWN_EVENT_TYPE) ? " AND event_type IS NULL"
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
