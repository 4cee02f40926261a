package ai.refold.webhooks.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

/**
 * Two instances that create the table on first use ({@code createTableIfMissing}) at the same moment: PostgreSQL
 * refuses one of the two {@code CREATE TABLE IF NOT EXISTS} with a unique violation in its catalogue (SQL state
 * 23505 on {@code pg_type}). The race is made to happen on cue: the first {@code CREATE TABLE} here runs, as the
 * other instance's would, and then fails as PostgreSQL fails the loser. The store tries the statement again, which
 * finds the table, so the first delivery is claimed, not answered 503.
 */
class JdbcTableCreationRaceTest {

    @Test
    void aStoreThatLosesTheRaceToCreateItsTableTriesAgainAndClaimsTheFirstDelivery() {
        AtomicInteger refusals = new AtomicInteger();
        JdbcIdempotencyStore store = JdbcIdempotencyStore.builder()
                .dataSource(losingTheRaceOnce(h2("idempotency_race"), refusals))
                .dialect(JdbcIdempotencyStore.Dialect.H2).createTableIfMissing(true).build();

        assertThat(store.claim("workflow-errored:live:1", "owner-1", Duration.ofSeconds(10)))
                .isEqualTo(ClaimResult.CLAIMED);
        assertThat(refusals).as("the race happened").hasValue(1);
        assertThat(store.complete("workflow-errored:live:1", "owner-1", Duration.ofDays(1))).isTrue();
        assertThat(store.claim("workflow-errored:live:1", "owner-2", Duration.ofSeconds(10)))
                .isEqualTo(ClaimResult.COMPLETED);
    }

    @Test
    void anInboxStoreThatLosesTheRaceToCreateItsTableTriesAgainAndStoresTheFirstDelivery() {
        AtomicInteger refusals = new AtomicInteger();
        JdbcInboxStore inbox = JdbcInboxStore.builder()
                .dataSource(losingTheRaceOnce(h2("inbox_race"), refusals))
                .dialect(JdbcIdempotencyStore.Dialect.H2).createTableIfMissing(true).build();

        assertThat(inbox.stats().count(InboxState.PENDING)).isZero();
        assertThat(refusals).as("the race happened").hasValue(1);
    }

    private static DataSource h2(String name) {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1");
        return h2;
    }

    // The first CREATE TABLE runs and then fails as PostgreSQL fails the instance that lost the race.
    private static DataSource losingTheRaceOnce(DataSource real, AtomicInteger refusals) {
        return proxy(DataSource.class, (proxy, method, args) -> {
            Object result = invoke(real, method, args);
            if (result instanceof Connection connection) {
                return proxy(Connection.class, (p, m, a) -> {
                    Object made = invoke(connection, m, a);
                    if (made instanceof Statement statement && m.getName().equals("createStatement")) {
                        return proxy(Statement.class, (sp, sm, sa) -> {
                            Object done = invoke(statement, sm, sa);
                            if (sm.getName().equals("execute") && sa != null && sa[0] instanceof String sql
                                    && sql.strip().toUpperCase(Locale.ROOT).startsWith("CREATE TABLE")
                                    && refusals.compareAndSet(0, 1)) {
                                throw new SQLException("duplicate key value violates unique constraint"
                                        + " \"pg_type_typname_nsp_index\"", "23505");
                            }
                            return done;
                        });
                    }
                    return made;
                });
            }
            return result;
        });
    }

    private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, InvocationHandler handler) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler);
    }
}
