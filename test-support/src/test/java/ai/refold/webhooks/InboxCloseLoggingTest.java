package ai.refold.webhooks;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.idempotency.InMemoryInboxStore;
import ai.refold.webhooks.idempotency.InboxState;
import ai.refold.webhooks.logcapture.CapturedEvent;
import ai.refold.webhooks.logcapture.LogCapture;
import ai.refold.webhooks.signature.WebhookSigner;
import ai.refold.webhooks.test.SamplePayloads;

import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/inbox.md on an in-memory inbox closed while a handler still runs: the delivery running is named in a WARN (its
 * lease runs out), and what the inbox still holds, run or not, is counted in a WARN as lost with the process. The
 * one worker is held on a latch until after close, so the close always times out, however loaded the machine.
 */
class InboxCloseLoggingTest {

    private static final String API_KEY = "inbox-close-logging-key-0123";
    private static final String RUNNING = "656f308b9144bb8f183bfc70";
    private static final String WAITING = "656f308b9144bb8f183bfc71";

    private static DeliveryRequest signed(String instanceId) {
        byte[] body = new String(SamplePayloads.of(EventType.WORKFLOW_ERRORED), StandardCharsets.UTF_8)
                .replace("656f308b9144bb8f183bfc7b", instanceId).getBytes(StandardCharsets.UTF_8);
        return DeliveryRequest.of("POST", Headers.of("x-cobalt-signature", WebhookSigner.of(API_KEY).sign(body)),
                body);
    }

    @Test
    void anInMemoryInboxClosedWhileAHandlerRunsNamesItAndCountsWhatItLosesWithTheProcess() throws Exception {
        InMemoryInboxStore memory = InMemoryInboxStore.create();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch mayFinish = new CountDownLatch(1);
        Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        WebhookReceiver receiver = WebhookReceiver.builder().signingKey("live", API_KEY)
                .inbox(memory, InboxOptions.defaults().withWorkers(1))
                .on(WorkflowErrored.class, (event, context) -> {
                    runs.computeIfAbsent(event.instanceId(), id -> new AtomicInteger()).incrementAndGet();
                    started.countDown();
                    mayFinish.await(60, TimeUnit.SECONDS);
                })
                .build();
        try (LogCapture capture = LogCapture.open()) {
            assertThat(receiver.receive(signed(RUNNING)).status()).isEqualTo(200);
            assertThat(started.await(60, TimeUnit.SECONDS)).as("the handler started").isTrue();
            assertThat(receiver.receive(signed(WAITING)).status()).isEqualTo(200);

            receiver.close(Duration.ofMillis(200));

            List<String> warnings = capture.events().stream().filter(event -> event.level() == Level.WARN)
                    .map(CapturedEvent::rendered).toList();
            assertThat(warnings).filteredOn(line -> line.contains("still running its handlers at shutdown"))
                    .singleElement().asString().contains("workflow-errored:-:" + RUNNING);
            assertThat(warnings).filteredOn(line -> line.contains("deliveries in memory not yet handled"))
                    .singleElement().asString().contains("closed with 2 deliveries", "lost with the process");
            assertThat(memory.stats().count(InboxState.PROCESSING)).as("the one still running").isEqualTo(1);
            assertThat(memory.stats().count(InboxState.PENDING)).as("the one never started").isEqualTo(1);
            assertThat(memory.stats().count(InboxState.DONE)).isZero();
            assertThat(runs).containsOnlyKeys(RUNNING);
            assertThat(runs.get(RUNNING)).hasValue(1);
        } finally {
            mayFinish.countDown();
        }
    }
}
