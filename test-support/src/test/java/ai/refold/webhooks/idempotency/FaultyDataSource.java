package ai.refold.webhooks.idempotency;

import javax.sql.DataSource;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A data source whose connections fail on cue, as a broken network does: a named JDBC method ({@code commit},
 * {@code executeUpdate}, {@code executeQuery}, {@code close}, ...) throws once, either before it reaches the
 * database or after the database did it (the answer lost on the way back). It hands out connections in auto-commit
 * mode or not, and records how each connection was left when it was closed.
 */
final class FaultyDataSource extends TestDataSource {

    /** How a connection was left when the store closed it. */
    record Closed(boolean autoCommit, boolean closedByStore) {
    }

    private final DataSource delegate;
    private final boolean autoCommit;
    private final AtomicReference<String> failBefore = new AtomicReference<>();
    private final AtomicReference<String> failAfter = new AtomicReference<>();
    private final AtomicInteger open = new AtomicInteger();
    private volatile String sqlState = "08006";
    final List<Closed> closed = new CopyOnWriteArrayList<>();

    FaultyDataSource(DataSource delegate, boolean autoCommit) {
        this.delegate = delegate;
        this.autoCommit = autoCommit;
    }

    /** Makes the next call of {@code method} throw before it reaches the database. */
    FaultyDataSource failBefore(String method) {
        failBefore.set(method);
        return this;
    }

    /**
     * Makes the next call of {@code method} throw before it reaches the database, with {@code sqlState} (a deadlock's
     * or a serialization failure's, say) instead of a broken connection's.
     */
    FaultyDataSource failBefore(String method, String sqlState) {
        this.sqlState = sqlState;
        return failBefore(method);
    }

    /** Makes the next call of {@code method} reach the database, then throw as if its answer were lost. */
    FaultyDataSource failAfter(String method) {
        failAfter.set(method);
        return this;
    }

    /** Returns how many connections were handed out and not closed. */
    int open() {
        return open.get();
    }

    @Override
    public Connection getConnection() throws SQLException {
        Connection target = delegate.getConnection();
        target.setAutoCommit(autoCommit);
        open.incrementAndGet();
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
                new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                    if (method.getName().equals("close")) {
                        boolean wasAuto = target.getAutoCommit();
                        if (!wasAuto) {
                            target.rollback(); // what a pool does; the test looks at what the store left
                        }
                        open.decrementAndGet();
                        closed.add(new Closed(wasAuto, true));
                        fault(failBefore, "close");
                        target.close();
                        fault(failAfter, "close");
                        return null;
                    }
                    fault(failBefore, method.getName());
                    Object result = invoke(target, method, args);
                    fault(failAfter, method.getName());
                    if (result instanceof PreparedStatement statement) {
                        return statement(statement);
                    }
                    return result;
                });
    }

    private Object statement(PreparedStatement target) {
        return Proxy.newProxyInstance(PreparedStatement.class.getClassLoader(),
                new Class<?>[] {PreparedStatement.class}, (proxy, method, args) -> {
                    if (!method.getName().equals("close")) {
                        fault(failBefore, method.getName());
                    }
                    Object result = invoke(target, method, args);
                    if (!method.getName().equals("close")) {
                        fault(failAfter, method.getName());
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

    private void fault(AtomicReference<String> armed, String method) throws SQLException {
        if (armed.compareAndSet(method, null)) {
            if (!sqlState.equals("08006")) {
                throw new SQLException("injected in " + method + " with SQL state " + sqlState, sqlState);
            }
            throw new SQLRecoverableException("I/O error: connection reset (injected in " + method + ")", "08006");
        }
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return getConnection();
    }
}
