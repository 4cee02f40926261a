package ai.refold.webhooks.idempotency;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

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

    /** A delivery to store: pending if owner is null, else taken by owner for leaseMillis. */
    record Offer(String key, InboxEntry entry, String owner, long leaseMillis) {
    }

    /** A taken entry to mark done, kept retentionMillis. */
    record Completion(String key, String owner, long retentionMillis) {
    }

    private final JdbcSession<InboxStatements> session;
    private final GroupCommit<Offer> offers = new GroupCommit<>(this::storeAll, GROUP_LIMIT);
    private final GroupCommit<Completion> completions = new GroupCommit<>(this::doneAll, GROUP_LIMIT);

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

    // One insert of every offer; each is true if its row was stored. Of two offers of one key, the first stores it.
    private boolean[] storeAll(Connection connection, InboxStatements sql, List<Offer> batch) throws SQLException {
        Set<String> stored = new HashSet<>();
        try (PreparedStatement statement = session.prepare(connection, sql.offerRows(batch.size()))) {
            int index = 1;
            for (Offer offer : batch) {
                index = InboxRows.bindReceived(statement, index, offer.key(), offer.entry());
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
            results[i] = stored.remove(batch.get(i).key());
        }
        return results;
    }

    // H2: a second row with the key is refused, and that refusal is the answer.
    private boolean storeOne(Connection connection, InboxStatements sql, Offer offer) throws SQLException {
        try (PreparedStatement statement = session.prepare(connection,
                offer.owner() == null ? sql.offer() : sql.offerTaken())) {
            InboxRows.bindReceived(statement, 1, offer.key(), offer.entry());
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
    // (PostgreSQL).
    boolean[] doneAll(List<Completion> batch) {
        return session.run("mark a delivery done", (connection, sql) -> {
            Set<List<String>> changed = new HashSet<>();
            try (PreparedStatement statement = session.prepare(connection, sql.doneRows(batch.size()))) {
                int index = 1;
                for (Completion completion : batch) {
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
}
