package ai.refold.webhooks.idempotency;

import javax.sql.DataSource;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The smallest pool there is: each thread keeps one connection of a delegate data source and gets it back on every
 * {@code getConnection()}, because forking a PostgreSQL backend per operation would make the load tests slow. A
 * connection the driver has closed (after a network error, or the server's restart) is replaced.
 */
public final class ConnectionPerThreadDataSource extends TestDataSource implements AutoCloseable {

    private final DataSource delegate;
    private final ThreadLocal<Connection> connections = new ThreadLocal<>();
    private final List<Connection> opened = new CopyOnWriteArrayList<>();

    /** Keeps one connection of {@code delegate} per thread. */
    public ConnectionPerThreadDataSource(DataSource delegate) {
        this.delegate = delegate;
    }

    @Override
    public Connection getConnection() throws SQLException {
        Connection connection = connections.get();
        if (connection == null || connection.isClosed()) {
            connection = delegate.getConnection();
            connections.set(connection);
            opened.add(connection);
        }
        Connection target = connection;
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
                new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                    if (method.getName().equals("close")) {
                        return null;
                    }
                    try {
                        return method.invoke(target, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return getConnection();
    }

    @Override
    public void close() throws SQLException {
        for (Connection connection : opened) {
            connection.close();
        }
    }
}
