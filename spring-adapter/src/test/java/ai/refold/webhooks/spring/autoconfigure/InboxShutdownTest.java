package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.DeliveryContext;
import ai.refold.webhooks.Outcome;
import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.idempotency.InboxEntry;
import ai.refold.webhooks.idempotency.InboxState;
import ai.refold.webhooks.idempotency.JdbcInboxStore;
import ai.refold.webhooks.spring.inbox.InboxAttempts;
import ai.refold.webhooks.spring.inbox.InboxHandlers;
import ai.refold.webhooks.spring.inbox.Workflows;
import ai.refold.webhooks.test.TestDeliveries;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What happens to inbox deliveries when the application shuts down: the receiver closes before the workers'
 * executor stops, so a delivery in flight finishes (or, past the shutdown timeout, is left to its lease and run
 * again by the next instance) and nothing stored is lost.
 */
class InboxShutdownTest {

    private static final String KEY = "inbox-shutdown-api-key";

    private final DataSource database = database();

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RefoldWebhookAutoConfiguration.class))
            .withPropertyValues("refold.webhooks.keys.test=" + KEY, "refold.webhooks.inbox.enabled=true",
                    "refold.webhooks.inbox.jdbc.create-table=true", "refold.webhooks.inbox.poll-interval=50ms")
            .withBean(DataSource.class, () -> database)
            .withBean(InboxHandlers.class)
            .withBean(InboxAttempts.class)
            .withBean(ClosingSignal.class);

    private static DataSource database() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:shutdown-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        return h2;
    }

    @Test
    void aDeliveryRunningAtShutdownFinishesBeforeTheWorkersExecutorStopsAndIsRecordedDone() {
        byte[] body = Workflows.body(EventType.WORKFLOW_COMPLETED, "c105ec105ec105ec105ec10a");
        // A lifecycle phase waits this long for an executor's running tasks: an executor stopped before the receiver
        // closed would wait for the worker loops, and shutdown would take at least this long.
        runner.withPropertyValues("refold.webhooks.shutdown-timeout=20s",
                        "spring.lifecycle.timeout-per-shutdown-phase=30s")
                .run(context -> {
                    InboxHandlers handlers = context.getBean(InboxHandlers.class);
                    handlers.release = new CountDownLatch(1);
                    assertThat(context.getBean(WebhookReceiver.class).receive(TestDeliveries.withKey(KEY).of(body))
                            .outcome()).isEqualTo(Outcome.ACCEPTED);
                    assertThat(handlers.started.await(30, TimeUnit.SECONDS)).isTrue();
                    ThreadPoolTaskExecutor workers = context.getBean(RefoldInboxConfiguration.EXECUTOR_BEAN,
                            ThreadPoolTaskExecutor.class);

                    ClosingSignal signal = context.getBean(ClosingSignal.class);

                    long start = System.nanoTime();
                    Thread closer = new Thread(context::close, "closer");
                    closer.start();
                    assertThat(signal.closing.await(30, TimeUnit.SECONDS)).isTrue();
                    closer.join(500);
                    assertThat(closer.isAlive()).as("shutdown waits for the delivery in flight").isTrue();
                    handlers.release.countDown();
                    closer.join(60_000);
                    Duration took = Duration.ofNanos(System.nanoTime() - start);

                    assertThat(closer.isAlive()).isFalse();
                    assertThat(took).isLessThan(Duration.ofSeconds(20));
                    assertThat(workers.getThreadPoolExecutor().awaitTermination(30, TimeUnit.SECONDS)).isTrue();
                    assertThat(handlers.runs).singleElement()
                            .satisfies(run -> assertThat(run.interrupted()).isFalse());
                    InboxEntry entry = store().find(Workflows.key(body)).orElseThrow();
                    assertThat(entry.state()).isEqualTo(InboxState.DONE);
                });
    }

    @Test
    void aDeliveryStillRunningWhenTheShutdownTimeoutEndsIsLeftToItsLeaseAndRunAgainByTheNextInstance()
            throws Exception {
        byte[] body = Workflows.body(EventType.WORKFLOW_COMPLETED, "5105105105105105105105b0");
        String key = Workflows.key(body);
        CountDownLatch stuck = new CountDownLatch(1);
        WebApplicationContextRunner shortLived = runner.withPropertyValues("refold.webhooks.shutdown-timeout=1s",
                "refold.webhooks.lease=1s");
        try {
            shortLived.run(context -> {
                InboxHandlers handlers = context.getBean(InboxHandlers.class);
                handlers.release = stuck;
                context.getBean(WebhookReceiver.class).receive(TestDeliveries.withKey(KEY).of(body));
                assertThat(handlers.started.await(30, TimeUnit.SECONDS)).isTrue();
                context.close();
                assertThat(store().find(key).orElseThrow().state()).isEqualTo(InboxState.PROCESSING);
            });

            shortLived.run(context -> {
                context.getBean(InboxAttempts.class).await(key, InboxState.DONE);
                assertThat(context.getBean(InboxHandlers.class).runs).singleElement()
                        .satisfies(run -> assertThat(run.context().attempt())
                                .isEqualTo(DeliveryContext.Attempt.RERUN));
            });
            assertThat(store().find(key).orElseThrow().state()).isEqualTo(InboxState.DONE);
        } finally {
            stuck.countDown();
        }
    }

    private JdbcInboxStore store() {
        return JdbcInboxStore.builder().dataSource(database).build();
    }

    /** Counts down when the context starts closing, before any bean stops. */
    static class ClosingSignal implements ApplicationListener<ContextClosedEvent> {
        final CountDownLatch closing = new CountDownLatch(1);

        @Override
        public void onApplicationEvent(ContextClosedEvent event) {
            closing.countDown();
        }
    }
}
