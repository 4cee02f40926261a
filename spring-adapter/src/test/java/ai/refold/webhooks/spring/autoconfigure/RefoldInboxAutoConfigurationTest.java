package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.DeliveryResult;
import ai.refold.webhooks.InboxOptions;
import ai.refold.webhooks.Outcome;
import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.idempotency.IdempotencyStore;
import ai.refold.webhooks.idempotency.InMemoryIdempotencyStore;
import ai.refold.webhooks.idempotency.InMemoryInboxStore;
import ai.refold.webhooks.idempotency.InboxQuery;
import ai.refold.webhooks.idempotency.InboxState;
import ai.refold.webhooks.idempotency.InboxStore;
import ai.refold.webhooks.idempotency.JdbcInboxStore;
import ai.refold.webhooks.idempotency.RetryPolicy;
import ai.refold.webhooks.spring.inbox.InboxAttempts;
import ai.refold.webhooks.spring.inbox.InboxHandlers;
import ai.refold.webhooks.spring.inbox.Workflows;
import ai.refold.webhooks.test.TestDeliveries;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.util.ClassUtils;

import java.time.Duration;
import java.util.UUID;
import java.util.function.DoubleSupplier;

import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Inbox mode in the auto-configuration: properties, beans, and startup failures that name the property. */
class RefoldInboxAutoConfigurationTest {

    private static final String KEY = "inbox-test-api-key";

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RefoldWebhookAutoConfiguration.class))
            .withPropertyValues("refold.webhooks.keys.test=" + KEY)
            .withBean(InboxHandlers.class)
            .withBean(InboxAttempts.class);

    private final WebApplicationContextRunner inMemory = runner.withPropertyValues(
            "refold.webhooks.inbox.enabled=true", "refold.webhooks.inbox.store=memory");

    private static DataSource h2() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:inbox-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        return h2;
    }

    @Test
    void theInboxIsOffUnlessEnabledAndTheReceiverKeepsItsIdempotencyStore() {
        runner.run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(InboxStore.class).doesNotHaveBean(InboxMode.class)
                    .hasSingleBean(IdempotencyStore.class);
            assertThat(context.getBean(WebhookReceiver.class).toString()).contains("InMemoryIdempotencyStore");
        });
    }

    @Test
    void theJdbcInboxOnTheApplicationsDataSourceStoresADeliveryAnswers200AndItsWorkersRunTheHandlers() {
        runner.withPropertyValues("refold.webhooks.inbox.enabled=true", "refold.webhooks.inbox.jdbc.create-table=true",
                        "refold.webhooks.inbox.jdbc.table-name=orders_inbox")
                .withBean(DataSource.class, RefoldInboxAutoConfigurationTest::h2)
                .run(context -> {
                    InboxStore store = context.getBean(InboxStore.class);
                    assertThat(store).isInstanceOf(JdbcInboxStore.class);
                    assertThat(((JdbcInboxStore) store).tableName()).isEqualTo("orders_inbox");
                    byte[] body = Workflows.body(EventType.WORKFLOW_ERRORED, "a1a1a1a1a1a1a1a1a1a1a1a1");

                    DeliveryResult result = context.getBean(WebhookReceiver.class)
                            .receive(TestDeliveries.withKey(KEY).of(body));

                    assertThat(result.outcome()).isEqualTo(Outcome.ACCEPTED);
                    assertThat(result.status()).isEqualTo(200);
                    String key = Workflows.key(body);
                    context.getBean(InboxAttempts.class).await(key, InboxState.DONE);
                    assertThat(store.find(key).orElseThrow().state()).isEqualTo(InboxState.DONE);
                    assertThat(context.getBean(InboxHandlers.class).runs("a1a1a1a1a1a1a1a1a1a1a1a1")).hasSize(1);
                });
    }

    @Test
    void theInboxPropertiesBecomeCoresOptionsAndTheWorkersRunOnSpringsExecutor() {
        inMemory.withPropertyValues("refold.webhooks.inbox.workers=3", "refold.webhooks.inbox.poll-interval=250ms",
                        "refold.webhooks.inbox.retry.max-attempts=5", "refold.webhooks.inbox.retry.initial-backoff=2s",
                        "refold.webhooks.inbox.retry.max-backoff=1m", "refold.webhooks.inbox.maximum-size=50",
                        "refold.webhooks.inbox.order-per-linked-account=true", "refold.webhooks.shutdown-timeout=7s")
                .run(context -> {
                    InboxOptions options = context.getBean(InboxMode.class).options();
                    assertThat(options.workers()).isEqualTo(3);
                    assertThat(options.orderPerLinkedAccount()).isTrue();
                    assertThat(options.pollInterval()).isEqualTo(Duration.ofMillis(250));
                    assertThat(options.retries()).isEqualTo(new RetryPolicy(5, Duration.ofSeconds(2),
                            Duration.ofMinutes(1)));
                    ThreadPoolTaskExecutor executor = context.getBean(RefoldInboxConfiguration.EXECUTOR_BEAN,
                            ThreadPoolTaskExecutor.class);
                    assertThat(options.executor()).containsSame(executor);
                    assertThat(executor.getMaxPoolSize()).isEqualTo(3);
                    assertThat(executor.getThreadNamePrefix()).isEqualTo("refold-webhook-inbox-");
                    // One thread per worker loop, started when the receiver was built.
                    assertThat(executor.getPoolSize()).isEqualTo(3);
                    assertThat(context.getBean(InboxStore.class)).isInstanceOf(InMemoryInboxStore.class);
                    assertThat(context.getBean(InboxStore.class).toString()).contains("maximumSize=50");
                    assertThat(context.getBean(WebhookReceiver.class).toString()).contains("InMemoryInboxStore");
                });
    }

    @Test
    void theDefaultsAreCoresOwn() {
        RefoldInboxProperties inbox = new RefoldInboxProperties();
        RetryPolicy retries = RetryPolicy.defaults();

        assertThat(inbox.isEnabled()).isFalse();
        assertThat(inbox.getStore()).isEqualTo(RefoldWebhookProperties.Store.JDBC);
        assertThat(inbox.getWorkers()).isEqualTo(InboxOptions.DEFAULT_WORKERS);
        assertThat(inbox.getPollInterval()).isEqualTo(InboxOptions.DEFAULT_POLL_INTERVAL);
        assertThat(inbox.isOrderPerLinkedAccount()).isEqualTo(InboxOptions.defaults().orderPerLinkedAccount());
        assertThat(new RetryPolicy(inbox.getRetry().getMaxAttempts(), inbox.getRetry().getInitialBackoff(),
                inbox.getRetry().getMaxBackoff())).isEqualTo(retries);
        assertThat(inbox.getJdbc().getTableName()).isEqualTo(JdbcInboxStore.DEFAULT_TABLE_NAME);
        assertThat(inbox.getMaximumSize()).isEqualTo(InMemoryInboxStore.DEFAULT_MAXIMUM_SIZE);
    }

    @Test
    void anApplicationsOwnInboxStoreIsUsed() {
        InMemoryInboxStore own = InMemoryInboxStore.create();
        inMemory.withBean("ownInbox", InboxStore.class, () -> own).run(context -> {
            assertThat(context).hasSingleBean(InboxStore.class);
            assertThat(context.getBean(InboxMode.class).store()).isSameAs(own);
        });
    }

    @Test
    void theJdbcInboxWithoutADataSourceFailsStartupNamingTheProperty() {
        runner.withPropertyValues("refold.webhooks.inbox.enabled=true").run(context -> {
            FailureAnalysis analysis = analysis(context.getStartupFailure());
            assertThat(analysis.getDescription())
                    .contains("refold.webhooks.inbox.store=jdbc needs exactly one DataSource");
            assertThat(analysis.getAction()).contains("spring.datasource").contains("refold.webhooks.inbox.store=memory");
        });
    }

    @Test
    void acknowledgeFastWithTheInboxFailsStartupNamingBothProperties() {
        inMemory.withPropertyValues("refold.webhooks.acknowledge-fast=true").run(context -> {
            FailureAnalysis analysis = analysis(context.getStartupFailure());
            assertThat(analysis.getDescription()).contains("refold.webhooks.acknowledge-fast")
                    .contains("refold.webhooks.inbox.enabled");
            assertThat(analysis.getAction()).contains("Remove refold.webhooks.acknowledge-fast");
        });
    }

    @Test
    void aJdbcIdempotencyStoreWithTheInboxFailsStartupNamingBothProperties() {
        inMemory.withPropertyValues("refold.webhooks.idempotency.store=jdbc")
                .withBean(DataSource.class, RefoldInboxAutoConfigurationTest::h2)
                .run(context -> {
                    FailureAnalysis analysis = analysis(context.getStartupFailure());
                    assertThat(analysis.getDescription()).contains("refold.webhooks.idempotency.store=jdbc")
                            .contains("refold.webhooks.inbox.enabled=true");
                });
    }

    @Test
    void inInboxModeTheStarterDefinesNoIdempotencyStoreAndNoJdbcPurge() {
        inMemory.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(IdempotencyStore.class)
                .doesNotHaveBean(JdbcPurgeScheduler.class));
    }

    @Test
    void anApplicationsOwnIdempotencyStoreWithTheInboxFailsStartupNamingTheBeanAndTheProperty() {
        inMemory.withBean("redisIdempotencyStore", IdempotencyStore.class, InMemoryIdempotencyStore::create)
                .run(context -> {
                    FailureAnalysis analysis = analysis(context.getStartupFailure());
                    assertThat(analysis.getDescription()).contains("IdempotencyStore bean (redisIdempotencyStore)")
                            .contains("refold.webhooks.inbox.enabled=true");
                    assertThat(analysis.getAction()).contains("InboxStore")
                            .contains("refold.webhooks.inbox.enabled=false");
                });
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "workers                | 4242       | jdbc",
        "poll-interval          | 7ms        | jdbc",
        "retry.max-attempts     | 4242       | jdbc",
        "retry.initial-backoff  | 4242d      | jdbc",
        "retry.max-backoff      | 4242d      | jdbc",
        "purge-batch-size       | -4242      | jdbc",
        "jdbc.table-name        | drop;table | jdbc",
        "health.max-due-age     | -4242s     | jdbc",
        "maximum-size           | -4242      | memory"
    })
    void aValueTheInboxCannotUseFailsStartupNamingThePropertyNeverTheValue(String property, String value,
                                                                            String store) {
        runner.withPropertyValues("refold.webhooks.inbox.enabled=true", "refold.webhooks.inbox.store=" + store,
                        "refold.webhooks.inbox." + property + "=" + value)
                .withBean(DataSource.class, RefoldInboxAutoConfigurationTest::h2)
                .run(context -> {
                    FailureAnalysis analysis = analysis(context.getStartupFailure());
                    assertThat(analysis.getDescription()).contains("refold.webhooks.inbox." + property)
                            .doesNotContain("4242").doesNotContain("drop").doesNotContain("7ms")
                            .doesNotContain("PT0.007S");
                    assertThat(analysis.getAction()).contains("refold.webhooks.inbox.");
                });
    }

    @Test
    void theHealthIndicatorOfTheBootLineOnTheClasspathIsRegisteredAsRefoldInbox() {
        inMemory.run(context -> {
            boolean boot4 = ClassUtils.isPresent("org.springframework.boot.health.contributor.HealthIndicator", null);
            assertThat(context.getBean("refoldInboxHealthIndicator").getClass().getSimpleName())
                    .isEqualTo(boot4 ? "Boot4InboxHealthIndicator" : "Boot3InboxHealthIndicator");
            assertThat(context.getBean(InboxHealth.class).check().status()).isEqualTo(InboxHealth.UP);
        });
    }

    @Test
    void theEndpointExistsOnlyWhenExposed() {
        inMemory.run(context -> assertThat(context).doesNotHaveBean(RefoldInboxEndpoint.class));
        inMemory.withPropertyValues("management.endpoints.web.exposure.include=refoldinbox")
                .run(context -> assertThat(context).hasSingleBean(RefoldInboxEndpoint.class));
    }

    @Test
    void theInboxMetersCountAttemptsDeadLettersAndEntriesByState() {
        inMemory.withPropertyValues("refold.webhooks.inbox.retry.max-attempts=2",
                        "refold.webhooks.inbox.retry.initial-backoff=10ms", "refold.webhooks.inbox.retry.max-backoff=20ms")
                .withBean(SimpleMeterRegistry.class, SimpleMeterRegistry::new)
                .run(context -> {
                    String id = "b2b2b2b2b2b2b2b2b2b2b2b2";
                    context.getBean(InboxHandlers.class).breakFor(id);
                    byte[] body = Workflows.body(EventType.WORKFLOW_ERRORED, id);
                    context.getBean(WebhookReceiver.class).receive(TestDeliveries.withKey(KEY).of(body));
                    context.getBean(InboxAttempts.class).await(Workflows.key(body), InboxState.DEAD);

                    MeterRegistry meters = context.getBean(MeterRegistry.class);
                    assertThat(meters.get(RefoldWebhookMetrics.INBOX_REPLAYS).counter().count()).isZero();
                    // Listeners are told one after another: the meters may be counting just after the test heard.
                    awaitValue(() -> meters.get(RefoldWebhookMetrics.INBOX_DEAD_LETTERS).counter().count(), 1);
                    assertThat(meters.get(RefoldWebhookMetrics.INBOX_ATTEMPTS).tag("outcome", "failure").counter()
                            .count()).isEqualTo(2);
                    assertThat(meters.get(RefoldWebhookMetrics.INBOX_DEAD_LETTERS).counter().count()).isEqualTo(1);
                    assertThat(meters.get(RefoldWebhookMetrics.INBOX_ENTRIES).tag("state", "dead").gauge().value())
                            .isEqualTo(1);
                    assertThat(meters.get(RefoldWebhookMetrics.INBOX_ENTRIES).gauges()).hasSize(4);
                    assertThat(meters.get(RefoldWebhookMetrics.INBOX_OLDEST_DUE_AGE).gauge().value()).isZero();

                    context.getBean(InboxHandlers.class).fix(id);
                    context.getBean(InboxStore.class).replay(InboxQuery.deadLetters().withKey(Workflows.key(body)));
                    context.getBean(InboxAttempts.class).await(Workflows.key(body), InboxState.DONE);
                    awaitValue(() -> meters.get(RefoldWebhookMetrics.INBOX_ATTEMPTS).tag("outcome", "success")
                            .counter().count(), 1);
                });
    }

    @Test
    void aClosedContextTakesItsInboxGaugesOffARegistryItSharesSoThatTheNextContextReportsItsOwnInbox() {
        SimpleMeterRegistry shared = new SimpleMeterRegistry();
        try (AnnotationConfigApplicationContext parent = new AnnotationConfigApplicationContext()) {
            parent.registerBean(MeterRegistry.class, () -> shared);
            parent.refresh();
            WebApplicationContextRunner children = inMemory.withParent(parent);

            children.run(first -> {
                byte[] body = Workflows.body(EventType.WORKFLOW_ERRORED, "d4d4d4d4d4d4d4d4d4d4d4d4");
                first.getBean(WebhookReceiver.class).receive(TestDeliveries.withKey(KEY).of(body));
                first.getBean(InboxAttempts.class).await(Workflows.key(body), InboxState.DONE);
                assertThat(shared.get(RefoldWebhookMetrics.INBOX_ENTRIES).tag("state", "done").gauge().value())
                        .isEqualTo(1);
            });
            // Nothing of the closed context's inbox is read any more, nor kept reachable by the registry.
            assertThat(shared.find(RefoldWebhookMetrics.INBOX_ENTRIES).gauges()).isEmpty();
            assertThat(shared.find(RefoldWebhookMetrics.INBOX_OLDEST_DUE_AGE).gauges()).isEmpty();

            children.run(second -> {
                assertThat(shared.get(RefoldWebhookMetrics.INBOX_ENTRIES).tag("state", "done").gauge().value())
                        .isZero();
                assertThat(shared.get(RefoldWebhookMetrics.INBOX_ENTRIES).gauges()).hasSize(4);
            });
        }
    }

    @Test
    void theInboxPurgeDeletesHandledDeliveriesOnceTheirRetentionRanOut() {
        inMemory.withPropertyValues("refold.webhooks.retention=1ms").run(context -> {
            byte[] body = Workflows.body(EventType.WORKFLOW_ERRORED, "c3c3c3c3c3c3c3c3c3c3c3c3");
            context.getBean(WebhookReceiver.class).receive(TestDeliveries.withKey(KEY).of(body));
            String key = Workflows.key(body);
            context.getBean(InboxAttempts.class).await(key, InboxState.DONE);
            InboxPurgeScheduler purge = context.getBean(InboxPurgeScheduler.class);
            assertThat(purge.isRunning()).isTrue();

            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            int purged = 0;
            // The retention is measured from the moment the entry was done; wait for the store's clock to pass it.
            while (purged == 0 && System.nanoTime() < deadline) {
                purged = purge.purgeNow();
                Thread.onSpinWait();
            }
            assertThat(purged).isEqualTo(1);
            assertThat(context.getBean(InboxStore.class).find(key)).isEmpty();
        });
    }

    // Waits up to 10 seconds for a meter another thread is about to update.
    private static void awaitValue(DoubleSupplier value, double expected) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (value.getAsDouble() != expected && System.nanoTime() < deadline) {
            Thread.yield();
        }
        assertThat(value.getAsDouble()).isEqualTo(expected);
    }

    private static FailureAnalysis analysis(Throwable failure) {
        assertThat(failure).as("startup failure").isNotNull();
        FailureAnalysis analysis = new RefoldInboxConfigurationFailureAnalyzer().analyze(failure);
        assertThat(analysis).as("analysis of %s", failure).isNotNull();
        return analysis;
    }
}
