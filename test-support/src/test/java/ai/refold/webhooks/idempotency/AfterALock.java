package ai.refold.webhooks.idempotency;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Makes a store operation wait for a lock on PostgreSQL, as behind a migration holding the table or a transaction
 * holding a row: another transaction takes the lock, the operation starts, and once PostgreSQL reports it waiting the
 * other transaction commits. No sleep decides anything.
 */
final class AfterALock {

    private AfterALock() {
    }

    /**
     * Runs {@code operation} while another transaction holds what {@code lock} takes, lets that transaction commit once
     * the operation waits for it, checks the operation's answer, and returns the database's time just before that
     * commit: anything the operation wrote after getting the lock was written at that time or later.
     */
    static <T> Instant run(DataSource database, String lock, Callable<T> operation, T expected) throws Exception {
        ExecutorService caller = Executors.newSingleThreadExecutor();
        try (Connection holder = database.getConnection(); Statement statement = holder.createStatement()) {
            holder.setAutoCommit(false);
            statement.execute(lock);
            Future<T> result = caller.submit(operation);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (waiting(database) == 0) {
                assertThat(result).as("the operation did not wait for the lock").isNotDone();
                assertThat(System.nanoTime() - deadline).as("the operation never waited for the lock").isNegative();
                Thread.sleep(5);
            }
            Instant released = time(statement, "clock_timestamp()");
            holder.commit();
            assertThat(result.get(30, TimeUnit.SECONDS)).isEqualTo(expected);
            return released;
        } finally {
            caller.shutdownNow();
        }
    }

    /** Returns what {@code expression} reads, a time, from the first row of {@code table} matching {@code where}. */
    static Instant read(DataSource database, String expression, String table, String where) throws SQLException {
        try (Connection connection = database.getConnection(); Statement statement = connection.createStatement()) {
            return time(statement, expression + " FROM " + table + " WHERE " + where);
        }
    }

    private static Instant time(Statement statement, String select) throws SQLException {
        try (ResultSet row = statement.executeQuery("SELECT " + select)) {
            assertThat(row.next()).as(select).isTrue();
            return row.getObject(1, OffsetDateTime.class).toInstant();
        }
    }

    private static int waiting(DataSource database) throws SQLException {
        try (Connection connection = database.getConnection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM pg_stat_activity"
                     + " WHERE wait_event_type = 'Lock' AND datname = current_database()")) {
            rows.next();
            return rows.getInt(1);
        }
    }
}
