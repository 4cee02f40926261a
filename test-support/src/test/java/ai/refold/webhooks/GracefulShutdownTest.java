package ai.refold.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.idempotency.InMemoryIdempotencyStore;
import ai.refold.webhooks.logcapture.CapturedEvent;
import ai.refold.webhooks.logcapture.LogCapture;
import ai.refold.webhooks.test.TestDeliveries;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.event.Level;

/**
 * Case 4 of the delivery guarantees at shutdown: in acknowledge-fast mode Refold already has its 200 for every queued
 * event, so a graceful close either runs each one or releases it with a WARN line naming its key; none is dropped
 * silently.
 */
class GracefulShutdownTest {

    private static final int QUEUED = 40;

    private final TestDeliveries deliveries = TestDeliveries.withDefaultKey();
    private final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
    private final LinkedBlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
    private final InMemoryIdempotencyStore store = InMemoryIdempotencyStore.create();

    private WebhookReceiver receiver() {
        return WebhookReceiver.builder().signingKey("test", TestDeliveries.DEFAULT_API_KEY).idempotencyStore(store)
                .acknowledgeFast(queue::add)
                .on(WorkflowErrored.class, (event, context) -> runs.computeIfAbsent(event.instanceId(),
                        id -> new AtomicInteger()).incrementAndGet())
                .build();
    }

    private static byte[] errored(int i) {
        return ("{\"event\":\"Workflow Errored\",\"instance_id\":\"run-" + i + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    private List<String> acceptForty(WebhookReceiver receiver) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < QUEUED; i++) {
            DeliveryResult accepted = receiver.receive(deliveries.of(errored(i)));
            assertThat(accepted.outcome()).isEqualTo(Outcome.ACCEPTED);
            keys.add(accepted.idempotencyKey().orElseThrow());
        }
        return keys;
    }

    @Test
    void aGracefulShutdownWaitsForAnExecutorThatDrainsItsQueueSoEveryAcceptedEventRuns() throws Exception {
        WebhookReceiver receiver = receiver();
        acceptForty(receiver);
        ExecutorService worker = Executors.newSingleThreadExecutor();
        try {
            worker.execute(() -> {
                Runnable task;
                while ((task = queue.poll()) != null) {
                    task.run();
                }
            });
            try (LogCapture capture = LogCapture.open()) {
                receiver.close(Duration.ofSeconds(30));

                assertThat(capture.events()).noneMatch(event -> event.level() == Level.WARN);
            }
        } finally {
            worker.shutdown();
            assertThat(worker.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }

        assertThat(runs).hasSize(QUEUED).allSatisfy((id, count) -> assertThat(count).hasValue(1));
    }

    @Test
    void aGracefulShutdownReleasesWhatItCouldNotStartAndNamesEachKeyInAWarning() {
        WebhookReceiver receiver = receiver();
        List<String> keys = acceptForty(receiver);
        List<CapturedEvent> warnings;
        try (LogCapture capture = LogCapture.open()) {
            receiver.close(Duration.ofMillis(200));
            warnings = capture.events().stream().filter(event -> event.level() == Level.WARN).toList();
        }

        assertThat(warnings).hasSize(QUEUED);
        for (String key : keys) {
            assertThat(warnings).anyMatch(warning -> warning.message().contains("key=" + key + " was accepted but"
                    + " not yet handled at shutdown"));
        }
        queue.forEach(Runnable::run);
        assertThat(runs).isEmpty();
        assertThat(receiver.receive(deliveries.of(errored(0))).outcome()).isEqualTo(Outcome.OVERLOADED);

        // Released, not merely abandoned: the next instance on the same store processes every one at once.
        WebhookReceiver restarted = WebhookReceiver.builder().signingKey("test", TestDeliveries.DEFAULT_API_KEY)
                .idempotencyStore(store)
                .on(WorkflowErrored.class, (event, context) -> runs.computeIfAbsent(event.instanceId(),
                        id -> new AtomicInteger()).incrementAndGet())
                .build();
        for (int i = 0; i < QUEUED; i++) {
            assertThat(restarted.receive(deliveries.of(errored(i))).outcome()).isEqualTo(Outcome.PROCESSED);
        }
        assertThat(runs).hasSize(QUEUED);
    }
}
