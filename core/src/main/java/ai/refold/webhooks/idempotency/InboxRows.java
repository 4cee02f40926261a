package ai.refold.webhooks.idempotency;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Rows of {@link JdbcInboxStore}'s table to entries and back, its take in each dialect, and its counts. */
final class InboxRows {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, List<String>>> HEADERS = new TypeReference<>() { };
    // Headers as ASCII JSON, every other character escaped: PostgreSQL's text would turn an unpaired surrogate, which
    // a request built in code may carry, into '?', while its escape reads back as the character it was.
    private static final ObjectWriter HEADERS_WRITER = JSON.writer().with(JsonWriteFeature.ESCAPE_NON_ASCII);
    private static final int MAX_ERROR_LENGTH = 1000;
    private static final Pattern PLANNED_ROWS = Pattern.compile(" rows=(\\d+) ");

    private InboxRows() {
    }

    static void bindReceived(PreparedStatement statement, String key, InboxEntry entry) throws SQLException {
        statement.setString(1, key);
        statement.setString(2, entry.eventType().orElse(null));
        statement.setString(3, entry.keyLabel());
        try {
            statement.setString(4, HEADERS_WRITER.writeValueAsString(entry.headers()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("headers could not be written as JSON", e);
        }
        statement.setBytes(5, entry.body());
        statement.setObject(6, OffsetDateTime.ofInstant(entry.receivedAt(), ZoneOffset.UTC));
        statement.setString(7, entry.orderingKey().orElse(null));
    }

    // H2 refuses a second row with the same key with a unique violation, which is a duplicate here.
    static boolean isDuplicate(SQLException e) {
        return "23505".equals(e.getSQLState());
    }

    // A take that failed having taken nothing, and that a new try can get past: it would have taken a second row of
    // an ordering key (23505), it deadlocked with another transaction over taken rows (40P01), or the database ended
    // it as a serialization failure (40001: H2's deadlock among workers taking rows, PostgreSQL under repeatable read).
    static boolean isRetryableTake(SQLException e) {
        return isDuplicate(e) || "40P01".equals(e.getSQLState()) || "40001".equals(e.getSQLState());
    }

    // 5 to 10 ms after the first failed try, doubling after each: 150 ms at most before the fifth.
    static void pauseBeforeTakingAgain(int failedTries, RuntimeException failure) {
        long ceiling = 10L << (failedTries - 1);
        try {
            Thread.sleep(ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure;
        }
    }

    static List<InboxEntry> takeReturning(JdbcSession<InboxStatements> session, Connection connection,
                                          InboxStatements sql, String owner, int max, long leaseMillis)
            throws SQLException {
        try (PreparedStatement statement = session.prepare(connection, sql.take())) {
            statement.setInt(1, max);
            statement.setString(2, owner);
            statement.setLong(3, leaseMillis);
            return read(statement);
        }
    }

    // Without RETURNING: select the due keys under lock, take each, and read them back, in one transaction.
    static List<InboxEntry> takeInTransaction(JdbcSession<InboxStatements> session, Connection connection,
                                              InboxStatements sql, String owner, int max, long leaseMillis)
            throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try {
            List<String> keys = new ArrayList<>();
            try (PreparedStatement statement = session.prepare(connection, sql.take())) {
                statement.setInt(1, max);
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        keys.add(rows.getString(1));
                    }
                }
            }
            List<InboxEntry> taken = new ArrayList<>();
            for (String key : keys) {
                try (PreparedStatement statement = session.prepare(connection, sql.takeOne())) {
                    statement.setString(1, owner);
                    statement.setLong(2, leaseMillis);
                    statement.setString(3, key);
                    if (statement.executeUpdate() == 0) {
                        continue;
                    }
                }
                try (PreparedStatement statement = session.prepare(connection, sql.find())) {
                    statement.setString(1, key);
                    taken.addAll(read(statement));
                }
            }
            connection.commit();
            return taken;
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    /** Binds a query's states, key, event type and time range, from {@code first}, then its limit. */
    static int bindQuery(PreparedStatement statement, int first, InboxQuery query) throws SQLException {
        int index = first;
        for (InboxState state : query.states()) {
            statement.setString(index++, state.name());
        }
        if (query.key().isPresent()) {
            statement.setString(index++, JdbcSession.checkKey(query.key().get()));
        }
        if (query.eventType().isPresent() && !query.eventType().get().equals(InboxQuery.UNKNOWN_EVENT_TYPE)) {
            statement.setString(index++, query.eventType().get());
        }
        if (query.receivedFrom().isPresent()) {
            statement.setObject(index++, OffsetDateTime.ofInstant(query.receivedFrom().get(), ZoneOffset.UTC));
        }
        if (query.receivedUntil().isPresent()) {
            statement.setObject(index++, OffsetDateTime.ofInstant(query.receivedUntil().get(), ZoneOffset.UTC));
        }
        statement.setInt(index++, query.limit());
        return index;
    }

    /** Reads every row of a statement selecting {@link InboxStatements#COLUMNS}. */
    static List<InboxEntry> read(PreparedStatement statement) throws SQLException {
        List<InboxEntry> entries = new ArrayList<>();
        try (ResultSet row = statement.executeQuery()) {
            while (row.next()) {
                Map<String, List<String>> headers;
                try {
                    headers = JSON.readValue(row.getString(4), HEADERS);
                } catch (JsonProcessingException e) {
                    throw new SQLException("headers of an inbox row are not JSON", "22000", e);
                }
                entries.add(new InboxEntry(row.getString(1), Optional.ofNullable(row.getString(2)), row.getString(3),
                        headers, row.getBytes(5), instant(row, 6), InboxState.valueOf(row.getString(7)),
                        row.getInt(8), instant(row, 9), JdbcSession.decodeHandlers(row.getString(11)),
                        Optional.ofNullable(row.getString(12)), row.getBoolean(10),
                        Optional.ofNullable(row.getString(13))));
            }
        }
        return entries;
    }

    static InboxStats stats(JdbcSession<InboxStatements> session, Connection connection, InboxStatements sql)
            throws SQLException {
        Map<InboxState, Long> counts = new EnumMap<>(InboxState.class);
        try (PreparedStatement statement = session.prepare(connection, sql.counts());
             ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                counts.put(InboxState.valueOf(rows.getString(1)), rows.getLong(2));
            }
        }
        Set<InboxState> estimated = Set.of();
        if (sql.estimateDone() != null && counts.getOrDefault(InboxState.DONE, 0L) > InboxStats.EXACT_COUNT_LIMIT) {
            // The planner's estimate, from the statistics autovacuum keeps: "... (cost=... rows=N width=...)".
            try (PreparedStatement statement = session.prepare(connection, sql.estimateDone());
                 ResultSet plan = statement.executeQuery()) {
                Matcher rows = PLANNED_ROWS.matcher(plan.next() ? plan.getString(1) : "");
                long estimate = rows.find() ? Long.parseLong(rows.group(1)) : 0;
                counts.put(InboxState.DONE, Math.max(InboxStats.EXACT_COUNT_LIMIT + 1L, estimate));
            }
            estimated = Set.of(InboxState.DONE);
        }
        return new InboxStats(counts, oldestDue(session, connection, sql), estimated);
    }

    static Optional<Instant> oldestDue(JdbcSession<InboxStatements> session, Connection connection,
                                       InboxStatements sql) throws SQLException {
        try (PreparedStatement statement = session.prepare(connection, sql.oldestDue());
             ResultSet row = statement.executeQuery()) {
            return Optional.ofNullable(row.next() ? instant(row, 1) : null);
        }
    }

    static Instant instant(ResultSet row, int column) throws SQLException {
        OffsetDateTime value = row.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    /** Returns the error as stored: at most {@value #MAX_ERROR_LENGTH} characters. */
    static String error(String error) {
        if (error == null) {
            return null;
        }
        return error.length() <= MAX_ERROR_LENGTH ? error : error.substring(0, MAX_ERROR_LENGTH - 3) + "...";
    }
}
