package ai.refold.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.Samples;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.idempotency.InMemoryInboxStore;
import ai.refold.webhooks.idempotency.InboxState;
import ai.refold.webhooks.signature.WebhookSigner;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * A full in-memory inbox ({@code maximumSize}, Spring's {@code refold.webhooks.inbox.maximum-size}): while every entry
 * it holds is still to be run, a new delivery is answered 503 and nothing of it runs, so Refold retries it; once
 * entries are done, a new delivery makes it forget the done entry that expires first, so a late copy of that event
 * is no longer a duplicate and runs again. The one worker is held on a latch, so the inbox fills on a condition.
 */
class InMemoryInboxFullTest {

    private static final String API_KEY = "inbox-full-api-key-0123456";
    private static final byte[] ERRORED = Samples.of(EventType.WORKFLOW_ERRORED);

    private final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
    private final CountDownLatch mayFinish = new CountDownLatch(1);

    private static DeliveryRequest event(String id) {
        byte[] body = new String(ERRORED, StandardCharsets.UTF_8).replace("656f308b9144bb8f183bfc7b",
                "656f308b9144bb8f183bfc7" + id).getBytes(StandardCharsets.UTF_8);
        return DeliveryRequest.of("POST", Headers.of("x-cobalt-signature", WebhookSigner.of(API_KEY).sign(body)),
                body);
    }

    private int runsOf(String id) {
        AtomicInteger count = runs.get("656f308b9144bb8f183bfc7" + id);
        return count == null ? 0 : count.get();
    }

    @Test
    void aFullInboxAnswers503UntilAnEntryIsDoneAndThenForgetsTheDoneEntryThatExpiresFirst() throws Exception {
        InMemoryInboxStore memory = InMemoryInboxStore.builder().maximumSize(2).build();
        WebhookReceiver receiver = WebhookReceiver.builder().signingKey("live", API_KEY)
                .inbox(memory, InboxOptions.defaults().withWorkers(1).withPollInterval(Duration.ofMillis(20)))
                .on(WorkflowErrored.class, (event, context) -> {
                    runs.computeIfAbsent(event.instanceId(), id -> new AtomicInteger()).incrementAndGet();
                    mayFinish.await(60, TimeUnit.SECONDS);
                })
                .build();
        try {
            assertThat(receiver.receive(event("a")).outcome()).isEqualTo(Outcome.ACCEPTED);
            assertThat(receiver.receive(event("b")).outcome()).isEqualTo(Outcome.ACCEPTED);

            DeliveryResult refused = receiver.receive(event("c"));
            assertThat(refused.outcome()).isEqualTo(Outcome.STORE_UNAVAILABLE);
            assertThat(refused.status()).isEqualTo(503);
            assertThat(memory.find(refused.idempotencyKey().orElseThrow())).isEmpty();

            mayFinish.countDown();
            await(() -> memory.stats().count(InboxState.DONE) == 2);
            // Refold's retry of c: the inbox forgets a, the done entry that expires first, to hold it.
            assertThat(receiver.receive(event("c")).outcome()).isEqualTo(Outcome.ACCEPTED);
            await(() -> runsOf("c") == 1 && memory.stats().count(InboxState.DONE) == 2);
            // A late copy of a is no longer a duplicate: it is stored again (forgetting b) and runs a second time.
            assertThat(receiver.receive(event("a")).outcome()).isEqualTo(Outcome.ACCEPTED);
            await(() -> runsOf("a") == 2);

            assertThat(runsOf("b")).isEqualTo(1);
            assertThat(runsOf("c")).isEqualTo(1);
        } finally {
            mayFinish.countDown();
            receiver.close(Duration.ofSeconds(10));
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("the condition within 60 s").isNegative();
            Thread.sleep(20);
        }
    }
}
