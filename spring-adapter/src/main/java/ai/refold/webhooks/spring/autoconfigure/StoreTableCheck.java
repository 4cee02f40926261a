package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.idempotency.StoreUnavailableException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;

import java.sql.SQLException;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Reads the starter's JDBC store once at startup, when it was not told to create its table, so that a table that is
 * not there (a migration not run, a misspelt table-name) stops startup instead of having every delivery answered
 * 503. It reads once every singleton is in place, so after Flyway or Liquibase has migrated. A refusal of SQL state
 * class 42 (no such table or column, no permission: what no retry changes) stops startup naming the properties; a
 * database that cannot be reached at that moment is only logged, since it may be up by the first delivery.
 */
final class StoreTableCheck implements SmartInitializingSingleton {

    private static final Logger LOG = LoggerFactory.getLogger("ai.refold.webhooks.receiver");

    private final Supplier<Optional<Runnable>> read;
    private final Function<String, RuntimeException> refusal;

    /**
     * @param read    the read of the store's table, if the starter made a JDBC store that does not create its table
     * @param refusal the startup failure for a refusal of the given SQL state
     */
    StoreTableCheck(Supplier<Optional<Runnable>> read, Function<String, RuntimeException> refusal) {
        this.read = read;
        this.refusal = refusal;
    }

    /**
     * Returns what a refusal of SQL state {@code state} means, completing a sentence that starts with the table-name
     * property; the table's name is not shown.
     */
    static String problem(String state) {
        return "names a table the database refuses to read (SQL state " + state + "): it is not there, lacks a column"
                + " of this version, or is not readable by the database user. (The name is not shown.)";
    }

    /** Returns what to do about it: {@code schemaFiles} name the statements in core that create the table. */
    static String action(String table, String create, String schemaFiles) {
        return "Create the table before the application starts, with the statements of " + schemaFiles
                + " in refold-webhooks-core (ai/refold/webhooks/idempotency/) in your migrations, or set " + create
                + "=true; or correct " + table + ".";
    }

    @Override
    public void afterSingletonsInstantiated() {
        read.get().ifPresent(this::check);
    }

    private void check(Runnable reading) {
        try {
            reading.run();
        } catch (StoreUnavailableException e) {
            String state = e.getCause() instanceof SQLException sql ? sql.getSQLState() : null;
            if (state != null && state.startsWith("42")) {
                throw refusal.apply(state);
            }
            LOG.warn("refold webhooks: the store's table could not be read at startup; deliveries are answered 503"
                    + " until it can: {}", e.getMessage());
        }
    }
}
