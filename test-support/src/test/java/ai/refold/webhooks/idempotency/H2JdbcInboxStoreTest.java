package ai.refold.webhooks.idempotency;

import ai.refold.webhooks.idempotency.JdbcIdempotencyStore.Dialect;
import org.h2.jdbcx.JdbcDataSource;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.List;

/**
 * The inbox against an in-memory H2 database. Stopping the database is simulated by data sources that refuse every
 * connection while it is "down".
 */
class H2JdbcInboxStoreTest extends JdbcInboxStoreContract {

    private static final String URL = "jdbc:h2:mem:refold-inbox;DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000";
    private static final String USER = "inbox_user";
    private static volatile boolean down;

    @Override
    DataSource newDataSource() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL(URL);
        h2.setUser(USER);
        h2.setPassword(PASSWORD);
        return new SwitchableDataSource(h2);
    }

    @Override
    Dialect dialect() {
        return Dialect.H2;
    }

    @Override
    List<String> secrets() {
        return List.of(URL, "refold-inbox", USER, PASSWORD);
    }

    @Override
    void stopDatabase() {
        down = true;
    }

    @Override
    void startDatabase() {
        down = false;
    }

    /** Hands out connections from a delegate, or fails as an unreachable database does while it is down. */
    private static final class SwitchableDataSource extends TestDataSource {
        private final DataSource delegate;

        SwitchableDataSource(DataSource delegate) {
            this.delegate = delegate;
        }

        @Override
        public Connection getConnection() throws SQLException {
            if (down) {
                throw new SQLTransientConnectionException("Connection to " + URL + " as " + USER + "/" + PASSWORD
                        + " refused (simulated outage)", "08001");
            }
            return delegate.getConnection();
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            return getConnection();
        }
    }
}
