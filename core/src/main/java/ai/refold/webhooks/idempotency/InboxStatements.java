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
record InboxStatements(Dialect dialect, String table, String offer, String offerTaken,
                       String take, boolean takeReturnsRows, String takeOne, String renew, String done, String retry, String dead,
                       String release, String find, String purge, String counts, String oldestDue) {

    static final String COLUMNS = "idempotency_key, event_type, key_label, headers, body, received_at, state,"
            + " attempts, next_attempt_at, rerun, done_handlers, last_error";
    private static final String HELD = " WHERE idempotency_key = ? AND owner_token = ? AND state = 'PROCESSING'";
    private static final String DUE = "state IN ('PENDING', 'PROCESSING') AND next_attempt_at <= CURRENT_TIMESTAMP";

    static InboxStatements of(Dialect dialect, String table) {
        String later = dialect == Dialect.POSTGRESQL ? "CURRENT_TIMESTAMP + CAST(? AS BIGINT) * INTERVAL '1 millisecond'"
                : "DATEADD(MILLISECOND, CAST(? AS BIGINT), CURRENT_TIMESTAMP)";
        String into = "INSERT INTO " + table + " (idempotency_key, event_type, key_label, headers, body,"
                + " received_at, state, attempts, next_attempt_at, rerun, owner_token) VALUES (?, ?, ?, ?, ?, ?, ";
        // One row at a time, where offers are not grouped (H2): a duplicate key is refused by the primary key.
        String offer = into + "'PENDING', 0, CURRENT_TIMESTAMP, FALSE, NULL)";
        // Parameters as the offer's, then lease millis and owner: the row as take would leave it.
        String offerTaken = into + "'PROCESSING', 0, " + later + ", FALSE, ?)";
        boolean postgres = dialect == Dialect.POSTGRESQL;
        // Parameters: max, owner, lease millis. The lock makes instances taking side by side skip each other's rows;
        // rerun records that a taken row's previous worker never ended it, and stays set until the row is done or
        // dead: that worker may have run the handlers in full, whatever the attempts after it did. RETURNING yields
        // rows in whatever order the join back to the table produced (a hash join: table order), so the rows are
        // sorted once taken.
        String take = postgres
                ? "WITH due AS (SELECT idempotency_key, next_attempt_at FROM " + table + " WHERE " + DUE
                        + " ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED),"
                        + " taken AS (UPDATE " + table + " r SET owner_token = ?,"
                        + " rerun = (r.state = 'PROCESSING' OR r.rerun),"
                        + " state = 'PROCESSING', next_attempt_at = " + later
                        + " FROM due WHERE r.idempotency_key = due.idempotency_key RETURNING " + qualified("r")
                        + ", due.next_attempt_at AS was_due)"
                        + " SELECT " + COLUMNS + " FROM taken ORDER BY was_due, idempotency_key"
                : "SELECT idempotency_key FROM " + table + " WHERE " + DUE
                        + " ORDER BY next_attempt_at FETCH FIRST ? ROWS ONLY FOR UPDATE";
        String takeOne = "UPDATE " + table + " SET owner_token = ?, rerun = (state = 'PROCESSING' OR rerun),"
                + " state = 'PROCESSING', next_attempt_at = " + later + " WHERE idempotency_key = ? AND " + DUE;
        String renew = "UPDATE " + table + " SET next_attempt_at = " + later + HELD;
        String done = "UPDATE " + table + " SET state = 'DONE', owner_token = NULL, rerun = FALSE,"
                + " done_handlers = NULL, next_attempt_at = " + later + HELD;
        String retry = "UPDATE " + table + " SET state = 'PENDING', owner_token = NULL,"
                + " attempts = attempts + 1, done_handlers = ?, last_error = ?, next_attempt_at = " + later + HELD;
        String dead = "UPDATE " + table + " SET state = 'DEAD', owner_token = NULL, rerun = FALSE,"
                + " attempts = attempts + 1, done_handlers = ?, last_error = ?, next_attempt_at = CURRENT_TIMESTAMP"
                + HELD;
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
        // Due as take sees it: a taken row whose lease ran out (its worker crashed) waits as much as a pending one.
        String oldestDue = "SELECT MIN(next_attempt_at) FROM " + table + " WHERE " + DUE;
        return new InboxStatements(dialect, table, offer, offerTaken, take, postgres, takeOne, renew, done,
                retry, dead, release, find, purge, counts, oldestDue);
    }

    /** Returns whether concurrent offers and completions may share one statement: on PostgreSQL. */
    boolean groupsCommits() {
        return dialect == Dialect.POSTGRESQL;
    }

    /**
     * Returns the insert of {@code rows} new deliveries, each pending and due now or taken (PostgreSQL). Per row, the
     * parameters of {@code offer}, then the state, the lease in milliseconds (0 if pending) and the owner (null if
     * pending); it returns the keys it stored. A key twice in one insert is stored once, as the first row has it.
     */
    String offerRows(int rows) {
        StringBuilder sql = new StringBuilder("INSERT INTO ").append(table).append(" (idempotency_key, event_type,"
                + " key_label, headers, body, received_at, state, attempts, next_attempt_at, rerun, owner_token) VALUES ");
        for (int i = 0; i < rows; i++) {
            sql.append(i == 0 ? "" : ", ").append("(?, ?, ?, ?, ?, ?, CAST(? AS VARCHAR), 0, CURRENT_TIMESTAMP"
                    + " + CAST(? AS BIGINT) * INTERVAL '1 millisecond', FALSE, CAST(? AS VARCHAR))");
        }
        return sql.append(" ON CONFLICT (idempotency_key) DO NOTHING RETURNING idempotency_key").toString();
    }

    /**
     * Returns the update that marks {@code rows} taken entries done, each only while its owner holds it (PostgreSQL).
     * Per row: key, owner, retention in milliseconds; it returns the key and owner of each row it changed.
     */
    String doneRows(int rows) {
        StringBuilder sql = new StringBuilder("UPDATE ").append(table).append(" r SET state = 'DONE',"
                + " owner_token = NULL, rerun = FALSE, done_handlers = NULL, next_attempt_at = CURRENT_TIMESTAMP"
                + " + d.retention * INTERVAL '1 millisecond' FROM (VALUES ");
        for (int i = 0; i < rows; i++) {
            sql.append(i == 0 ? "" : ", ").append("(CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS BIGINT))");
        }
        return sql.append(") AS d (idempotency_key, owner_token, retention) WHERE r.idempotency_key ="
                + " d.idempotency_key AND r.owner_token = d.owner_token AND r.state = 'PROCESSING'"
                + " RETURNING r.idempotency_key, d.owner_token").toString();
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
