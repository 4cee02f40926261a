package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.idempotency.JdbcIdempotencyStore;
import ai.refold.webhooks.idempotency.JdbcInboxStore;
import ai.refold.webhooks.spring.inbox.InboxAttempts;
import ai.refold.webhooks.spring.inbox.InboxHandlers;
import ai.refold.webhooks.test.TestDeliveries;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.LazyInitializationBeanFactoryPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

import java.lang.reflect.Proxy;
import java.util.List;
import java.sql.SQLTransientConnectionException;
import java.util.UUID;

import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A JDBC store whose table is not there (a migration not run, a misspelt table-name) answered every delivery 503 and
 * started as if nothing were wrong: startup now reads the table once, after every other bean (so after Flyway or
 * Liquibase), and stops naming the properties; a database that cannot be reached at that moment does not stop it.
 */
class MissingStoreTableTest {

    private static final String KEY = "store-table-test-api-key";

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RefoldWebhookAutoConfiguration.class))
            .withPropertyValues("refold.webhooks.keys.test=" + KEY)
            .withBean(InboxHandlers.class)
            .withBean(InboxAttempts.class);

    private static JdbcDataSource h2() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:table-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        return h2;
    }

    @Test
    void aJdbcIdempotencyTableThatIsNotThereStopsStartupNamingTheProperties() {
        runner.withPropertyValues("refold.webhooks.idempotency.store=jdbc",
                        "refold.webhooks.idempotency.jdbc.table-name=orders_webhooks")
                .withBean(DataSource.class, MissingStoreTableTest::h2)
                .run(context -> {
                    FailureAnalysis analysis = analysis(context.getStartupFailure(),
                            new RefoldWebhookConfigurationFailureAnalyzer());
                    assertThat(analysis.getDescription()).contains("refold.webhooks.idempotency.jdbc.table-name")
                            .contains("SQL state 42").doesNotContain("orders_webhooks").doesNotContain("jdbc:h2");
                    assertThat(analysis.getAction()).contains("refold.webhooks.idempotency.jdbc.create-table=true")
                            .contains("schema-h2.sql");
                });
    }

    @Test
    void aJdbcInboxTableThatIsNotThereStopsStartupNamingTheProperties() {
        runner.withPropertyValues("refold.webhooks.inbox.enabled=true",
                        "refold.webhooks.inbox.jdbc.table-name=orders_inbox")
                .withBean(DataSource.class, MissingStoreTableTest::h2)
                .run(context -> {
                    FailureAnalysis analysis = analysis(context.getStartupFailure(),
                            new RefoldInboxConfigurationFailureAnalyzer());
                    assertThat(analysis.getDescription()).contains("refold.webhooks.inbox.jdbc.table-name")
                            .contains("SQL state 42").doesNotContain("orders_inbox").doesNotContain("jdbc:h2");
                    assertThat(analysis.getAction()).contains("refold.webhooks.inbox.jdbc.create-table=true")
                            .contains("inbox-schema-h2.sql");
                });
    }

    // A table of an earlier version, without the column this one writes on every delivery: each would be answered 503.
    @Test
    void anInboxTableWithoutAColumnOfThisVersionStopsStartupToo() throws Exception {
        JdbcDataSource h2 = h2();
        JdbcInboxStore.builder().dataSource(h2).createTableIfMissing(true).build().oldestDue();
        try (var connection = h2.getConnection(); var statement = connection.createStatement()) {
            for (String ddl : List.of("DROP INDEX refold_webhook_inbox_running_idx",
                    "DROP INDEX refold_webhook_inbox_ordered_idx",
                    "ALTER TABLE refold_webhook_inbox DROP COLUMN running_key",
                    "ALTER TABLE refold_webhook_inbox DROP COLUMN ordering_key")) {
                statement.execute(ddl);
            }
        }
        runner.withPropertyValues("refold.webhooks.inbox.enabled=true").withBean(DataSource.class, () -> h2)
                .run(context -> assertThat(analysis(context.getStartupFailure(),
                        new RefoldInboxConfigurationFailureAnalyzer()).getDescription())
                        .contains("refold.webhooks.inbox.jdbc.table-name").contains("lacks a column"));
    }

    // A table version 0.1 created, without the columns every claim of this version writes: each delivery would be
    // answered 503 until a migration adds them.
    @Test
    void anIdempotencyTableWithoutTheColumnsOfThisVersionStopsStartupToo() throws Exception {
        JdbcDataSource h2 = h2();
        try (var connection = h2.getConnection(); var statement = connection.createStatement()) {
            statement.execute("CREATE TABLE refold_webhook_deliveries (idempotency_key VARCHAR(200) NOT NULL PRIMARY"
                    + " KEY, owner_token VARCHAR(200), state VARCHAR(16) NOT NULL, expires_at TIMESTAMP WITH TIME ZONE"
                    + " NOT NULL)");
        }
        runner.withPropertyValues("refold.webhooks.idempotency.store=jdbc").withBean(DataSource.class, () -> h2)
                .run(context -> assertThat(analysis(context.getStartupFailure(),
                        new RefoldWebhookConfigurationFailureAnalyzer()).getDescription())
                        .contains("refold.webhooks.idempotency.jdbc.table-name").contains("lacks a column"));
    }

    // With spring.main.lazy-initialization the check still runs: Boot creates SmartInitializingSingleton beans eagerly.
    @Test
    void aMissingTableStopsALazilyInitialisedApplicationToo() {
        runner.withInitializer(context -> context.addBeanFactoryPostProcessor(
                        new LazyInitializationBeanFactoryPostProcessor()))
                .withPropertyValues("refold.webhooks.inbox.enabled=true")
                .withBean(DataSource.class, MissingStoreTableTest::h2)
                .run(context -> assertThat(analysis(context.getStartupFailure(),
                        new RefoldInboxConfigurationFailureAnalyzer()).getDescription())
                        .contains("refold.webhooks.inbox.jdbc.table-name"));
    }

    // The table made by a migration before the receiver reads it: startup goes on.
    @ParameterizedTest
    @ValueSource(strings = {"refold.webhooks.idempotency.store=jdbc", "refold.webhooks.inbox.enabled=true"})
    void aTableThatIsThereLetsStartupGoOn(String mode) {
        JdbcDataSource h2 = h2();
        JdbcIdempotencyStore.builder().dataSource(h2).createTableIfMissing(true).build().leaseRemaining("made");
        JdbcInboxStore.builder().dataSource(h2).createTableIfMissing(true).build().oldestDue();
        runner.withPropertyValues(mode).withBean(DataSource.class, () -> h2)
                .run(context -> assertThat(context).hasNotFailed());
    }

    // A database that is down as the application starts may be up by the first delivery; until then each is answered
    // 503 and Refold retries it. Startup is not the place to wait for it.
    @ParameterizedTest
    @ValueSource(strings = {"refold.webhooks.idempotency.store=jdbc", "refold.webhooks.inbox.enabled=true"})
    void aDatabaseThatCannotBeReachedAtStartupDoesNotStopIt(String mode) {
        runner.withPropertyValues(mode).withBean(DataSource.class, MissingStoreTableTest::unreachable)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(WebhookReceiver.class).receive(TestDeliveries.withKey(KEY)
                            .of(EventType.WORKFLOW_ERRORED)).status()).isEqualTo(503);
                });
    }

    private static FailureAnalysis analysis(Throwable failure, FailureAnalyzer analyzer) {
        assertThat(failure).as("startup failure").isNotNull();
        FailureAnalysis analysis = analyzer.analyze(failure);
        assertThat(analysis).as("analysis of %s", failure).isNotNull();
        return analysis;
    }

    // Refuses every connection, as a database that is down does.
    private static DataSource unreachable() {
        return (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("getConnection")) {
                        throw new SQLTransientConnectionException("connection refused", "08001");
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }
}
