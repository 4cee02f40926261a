package ai.refold.webhooks.idempotency;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The writes of {@link JdbcInboxStore} that every delivery makes, offering it and marking it done, grouped on
 * PostgreSQL: the offers (or completions) that arrive while one statement runs share the next ({@link GroupCommit}),
 * so that under load a delivery costs the database a share of a statement instead of one of its own. Each caller
 * still returns only once its own row is written. H2 has no insert that skips a duplicate key, so there every offer
 * is a statement of its own, its duplicate refused by the primary key.
 */
final class InboxWrites {

    /** The most offers, or completions, that one statement carries. */
    static final int GROUP_LIMIT = 64;
    /** The most statements of each kind that run at a time. */
    static final int LANES = 2;

    /**
     * A delivery to store: pending if owner is null, else taken by owner for leaseMillis. Its headers are written as
     * JSON by its caller, so that headers that cannot be fail that call alone.
     */
    record Offer(String key, InboxEntry entry, String headers, String owner, long leaseMillis) {

        static Offer of(String key, InboxEntry entry, String owner, long leaseMillis) {
            return new Offer(key, entry, InboxRows.headers(entry), owner, leaseMillis);
        }
    }

    /** A taken entry to mark done, kept retentionMillis. */
    record Completion(String key, String owner, long retentionMillis) {
    }

    private final JdbcSession<InboxStatements> session;
    private final GroupCommit<Offer> offers = new GroupCommit<>(this::storeAll, InboxWrites::isRowFailure,
            GROUP_LIMIT, LANES);
    private final GroupCommit<Completion> completions = new GroupCommit<>(this::doneAll, InboxWrites::isRowFailure,
            GROUP_LIMIT, LANES);

    InboxWrites(JdbcSession<InboxStatements> session) {
        this.session = session;
    }

    /** Returns whether writes are grouped: once the first operation found PostgreSQL. */
    boolean grouped() {
        InboxStatements known = session.knownStatements();
        return known != null && known.groupsCommits();
    }

    /** Stores an offer unless its key is there; true if stored. */
    boolean offer(Offer offer) {
        if (grouped()) {
            return offers.call(offer);
        }
        return session.run("store a delivery", (connection, sql) -> sql.groupsCommits()
                ? storeAll(connection, sql, List.of(offer))[0] : storeOne(connection, sql, offer));
    }

    /** Marks a taken entry done while its owner holds it, grouped; true if it was held. */
    boolean done(Completion completion) {
        return completions.call(completion);
    }

    // The offers that arrived together, as one insert (PostgreSQL).
    boolean[] storeAll(List<Offer> batch) {
        return session.run("store a delivery", (connection, sql) -> storeAll(connection, sql, batch));
    }

    // One insert of every offer, in key order, so that two instances' inserts never wait on each other's keys in
    // opposite orders (a deadlock); each offer is true if its row was stored. Of two offers of one key, the first is
    // stored and the second is a duplicate.
    private boolean[] storeAll(Connection connection, InboxStatements sql, List<Offer> batch) throws SQLException {
        Map<String, Integer> firsts = new TreeMap<>();
        for (int i = 0; i < batch.size(); i++) {
            firsts.putIfAbsent(batch.get(i).key(), i);
        }
        Set<String> stored = new HashSet<>();
        try (PreparedStatement statement = session.prepare(connection, sql.offerRows(firsts.size()))) {
            int index = 1;
            for (int first : firsts.values()) {
                Offer offer = batch.get(first);
                index = InboxRows.bindReceived(statement, index, offer.key(), offer.entry(), offer.headers());
                statement.setString(index++, offer.owner() == null ? "PENDING" : "PROCESSING");
                statement.setLong(index++, offer.leaseMillis());
                statement.setString(index++, offer.owner());
            }
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    stored.add(rows.getString(1));
                }
            }
        }
        boolean[] results = new boolean[batch.size()];
        for (int i = 0; i < results.length; i++) {
            String key = batch.get(i).key();
            results[i] = firsts.get(key) == i && stored.contains(key);
        }
        return results;
    }

    // H2: a second row with the key is refused, and that refusal is the answer.
    private boolean storeOne(Connection connection, InboxStatements sql, Offer offer) throws SQLException {
        try (PreparedStatement statement = session.prepare(connection,
                offer.owner() == null ? sql.offer() : sql.offerTaken())) {
            InboxRows.bindReceived(statement, 1, offer.key(), offer.entry(), offer.headers());
            if (offer.owner() != null) {
                statement.setLong(7, offer.leaseMillis());
                statement.setString(8, offer.owner());
            }
            return statement.executeUpdate() > 0;
        } catch (SQLException e) {
            if (!InboxRows.isDuplicate(e)) {
                throw e;
            }
            JdbcSession.rollbackQuietly(connection, e);
            return false;
        }
    }

    // The completions that arrived together, as one update that marks each entry done only while its owner holds it
    // (PostgreSQL); in key order, as offers are.
    boolean[] doneAll(List<Completion> batch) {
        List<Completion> ordered = new ArrayList<>(batch);
        ordered.sort(Comparator.comparing(Completion::key));
        return session.run("mark a delivery done", (connection, sql) -> {
            Set<List<String>> changed = new HashSet<>();
            try (PreparedStatement statement = session.prepare(connection, sql.doneRows(batch.size()))) {
                int index = 1;
                for (Completion completion : ordered) {
                    statement.setString(index++, completion.key());
                    statement.setString(index++, completion.owner());
                    statement.setLong(index++, completion.retentionMillis());
                }
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        changed.add(List.of(rows.getString(1), rows.getString(2)));
                    }
                }
            }
            boolean[] results = new boolean[batch.size()];
            for (int i = 0; i < results.length; i++) {
                Completion completion = batch.get(i);
                results[i] = changed.remove(List.of(completion.key(), completion.owner()));
            }
            return results;
        });
    }

    // A statement that failed on the data of one of its rows (SQL state class 22), a constraint (23) or a conflict
    // with another transaction (40: deadlock, serialization) is run again row by row; a store that cannot answer is
    // not asked again for each row.
    static boolean isRowFailure(RuntimeException failure) {
        if (failure instanceof StoreUnavailableException && failure.getCause() instanceof SQLException sql) {
            String state = sql.getSQLState();
            return state != null && (state.startsWith("22") || state.startsWith("23") || state.startsWith("40"));
        }
        return false;
    }
}
