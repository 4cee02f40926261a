package ai.refold.webhooks.idempotency;

import javax.sql.DataSource;
import java.lang.reflect.Method;
import java.util.OptionalInt;

/**
 * The most connections a pooled {@link DataSource} hands out at once, read from the pools that say so through a
 * getter of their own (there is no JDBC one): HikariCP, Commons DBCP 2, Tomcat JDBC, c3p0. Read by reflection, so
 * that none of them is a dependency; any other data source, or a getter that fails, says nothing.
 */
final class PoolSize {

    private static final String[] GETTERS = {"getMaximumPoolSize", "getMaxTotal", "getMaxActive", "getMaxPoolSize"};

    private PoolSize() {
    }

    static OptionalInt of(DataSource dataSource) {
        for (String getter : GETTERS) {
            try {
                Method method = dataSource.getClass().getMethod(getter);
                if (method.getParameterCount() == 0 && method.getReturnType() == int.class) {
                    int size = (int) method.invoke(dataSource);
                    return size > 0 ? OptionalInt.of(size) : OptionalInt.empty();
                }
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                // Not this pool's getter, or not readable here (a module that does not open it): try the next.
            }
        }
        return OptionalInt.empty();
    }
}
