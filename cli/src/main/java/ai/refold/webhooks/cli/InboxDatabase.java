package ai.refold.webhooks.cli;

import ai.refold.webhooks.idempotency.JdbcInboxStore;
import ai.refold.webhooks.idempotency.StoreUnavailableException;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * The database of a receiver's durable inbox, from the options {@code --jdbc-url}, {@code --user},
 * {@code --password-env} and {@code --table}. The password comes only from the environment variable that
 * {@code --password-env} names, so it never shows in a process list or a shell history.
 */
final class InboxDatabase {

    static final Set<String> OPTIONS = Set.of("jdbc-url", "user", "password-env", "table");

    private static final int LOGIN_TIMEOUT_SECONDS = 10;
    // "no such table": PostgreSQL's undefined_table; H2's table (or view) not found
    private static final Set<String> NO_TABLE = Set.of("42P01", "42S02", "42S04", "42102", "42104");

    private final JdbcInboxStore store;

    private InboxDatabase(JdbcInboxStore store) {
        this.store = store;
    }

    /**
     * Connects once, so that a database that cannot be reached is reported as such, and returns the inbox in it.
     *
     * @throws UsageException  if an option is missing or wrong
     * @throws CommandFailure  if the database cannot be reached
     */
    static InboxDatabase open(Arguments arguments, Function<String, String> environment, Output output) {
        String given = arguments.required("jdbc-url");
        String url = given;
        Redacted.userInformation(given, output);
        String lower = given.toLowerCase(Locale.ROOT);
        if (!lower.startsWith("jdbc:postgresql:") && !lower.startsWith("jdbc:h2:")) {
            throw new UsageException("--jdbc-url must start with jdbc:postgresql: or jdbc:h2:, the databases whose"
                    + " drivers this tool has");
        }
        if (lower.contains("password")) {
            throw new UsageException("--jdbc-url must not carry a password: put it in an environment variable and"
                    + " name that with --password-env");
        }
        // H2 would otherwise create an empty database where the path was mistyped
        if (lower.startsWith("jdbc:h2:") && !lower.contains("ifexists")) {
            url = url + ";IFEXISTS=TRUE";
        }
        String password = null;
        if (arguments.has("password-env")) {
            String variable = arguments.required("password-env");
            password = environment.apply(variable);
            if (password == null) {
                // The name is not shown: it may be the password itself, typed where the name belongs.
                throw new UsageException("the environment variable --password-env names is not set (the name is not"
                        + " shown, in case it is a password)");
            }
            output.secret(password);
        }
        DriverManagerDataSource dataSource = new DriverManagerDataSource(url,
                arguments.value("user").orElse(null), password);
        dataSource.setLoginTimeout(LOGIN_TIMEOUT_SECONDS);
        JdbcInboxStore.Builder builder = JdbcInboxStore.builder().dataSource(dataSource);
        if (arguments.has("table")) {
            try {
                builder.tableName(arguments.required("table"));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--table: " + e.getMessage());
            }
        }
        try (Connection probe = dataSource.getConnection()) {
            probe.isValid(LOGIN_TIMEOUT_SECONDS);
        } catch (SQLException e) {
            // A driver may quote the URL ("Unable to parse URL jdbc:postgresql://..."): shown without its credentials
            throw new CommandFailure("could not connect to the database: " + Redacted.in(Redacted.in(describe(e), url),
                    given));
        }
        return new InboxDatabase(builder.build());
    }

    JdbcInboxStore store() {
        return store;
    }

    /** Returns the failure of a store operation in words, naming the table when it is missing. */
    CommandFailure failure(StoreUnavailableException e) {
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && NO_TABLE.contains(sql.getSQLState())) {
                return new CommandFailure("the database has no table " + store.tableName()
                        + " (is it the receiver's database? --table names another table)");
            }
        }
        return new CommandFailure(e.getMessage());
    }

    // The driver's own words, first line only, and the SQL state: "Connection to 127.0.0.1:5 refused. ... (08001)"
    private static String describe(SQLException e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines()
                .findFirst().orElse("").strip();
        return message + (e.getSQLState() == null ? "" : " (SQL state " + e.getSQLState() + ")");
    }
}
