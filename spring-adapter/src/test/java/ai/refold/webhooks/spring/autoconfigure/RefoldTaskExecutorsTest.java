package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.DeliveryResult;
import ai.refold.webhooks.Outcome;
import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.WorkflowCompleted;
import ai.refold.webhooks.spring.inbox.Workflows;
import ai.refold.webhooks.test.TestDeliveries;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The receiver's executors, built with Spring's task infrastructure, and the order in which shutdown stops them. */
class RefoldTaskExecutorsTest {

    private static final String KEY = "executor-test-api-key";

    @Test
    void aFullAcknowledgeFastQueueIsAnswered503SoThatRefoldRetries() throws Exception {
        ThreadPoolTaskExecutor executor = RefoldTaskExecutors.acknowledgeFast(1, 1);
        executor.initialize();
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (WebhookReceiver receiver = WebhookReceiver.builder().signingKey("test", KEY)
                .on(WorkflowCompleted.class, (event, context) -> {
                    running.countDown();
                    release.await(30, TimeUnit.SECONDS);
                })
                .acknowledgeFast(executor)
                .build()) {
            DeliveryResult first = receive(receiver, "a0000000000000000000000a");
            assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
            DeliveryResult queued = receive(receiver, "a0000000000000000000000b");
            DeliveryResult refused = receive(receiver, "a0000000000000000000000c");

            assertThat(first.outcome()).isEqualTo(Outcome.ACCEPTED);
            assertThat(queued.outcome()).isEqualTo(Outcome.ACCEPTED);
            assertThat(refused.outcome()).isEqualTo(Outcome.OVERLOADED);
            assertThat(refused.status()).isEqualTo(503);
            release.countDown();
        } finally {
            release.countDown();
            executor.shutdown();
        }
    }

    @Test
    void theAcknowledgeFastExecutorIsASpringExecutorBoundedAtAThousandThatStopsAfterTheReceiverAndTheWebServer() {
        new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RefoldWebhookAutoConfiguration.class))
                .withPropertyValues("refold.webhooks.keys.test=" + KEY, "refold.webhooks.allow-no-handlers=true",
                        "refold.webhooks.acknowledge-fast=true", "refold.webhooks.shutdown-timeout=12s")
                .run(context -> {
                    ThreadPoolTaskExecutor executor = context.getBean(RefoldWebhookAutoConfiguration.EXECUTOR_BEAN,
                            ThreadPoolTaskExecutor.class);
                    assertThat(executor.getQueueCapacity()).isEqualTo(RefoldTaskExecutors.ACKNOWLEDGE_FAST_QUEUE);
                    assertThat(executor.getThreadNamePrefix()).isEqualTo("refold-webhook-");
                    assertThat(executor.getThreadPoolExecutor().getMaximumPoolSize())
                            .isEqualTo(executor.getCorePoolSize());
                    ReceiverShutdown shutdown = context.getBean("refoldWebhookShutdown", ReceiverShutdown.class);
                    assertThat(shutdown.isRunning()).isTrue();
                    // Highest phase stops first: the receiver, the web server's graceful shutdown (DEFAULT_PHASE -
                    // 1024), the web server (DEFAULT_PHASE - 2048), the receiver's executors.
                    assertThat(shutdown.getPhase()).isGreaterThan(SmartLifecycle.DEFAULT_PHASE - 1024);
                    assertThat(executor.getPhase()).isLessThan(SmartLifecycle.DEFAULT_PHASE - 2048);
                });
    }

    private static DeliveryResult receive(WebhookReceiver receiver, String instanceId) {
        byte[] body = Workflows.body(EventType.WORKFLOW_COMPLETED, instanceId);
        return receiver.receive(TestDeliveries.withKey(KEY).of(body));
    }
}
