package ai.refold.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import ai.refold.webhooks.DeliveryContext.Attempt;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.Samples;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.idempotency.InMemoryInboxStore;
import ai.refold.webhooks.idempotency.InboxEntry;
import ai.refold.webhooks.idempotency.InboxState;
import ai.refold.webhooks.idempotency.RetryPolicy;
import ai.refold.webhooks.signature.WebhookSigner;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * An {@link Error} (out of memory, a stack overflow, a linkage error from a driver) on an inbox worker: thrown by a
 * handler it is the attempt's failure, and thrown outside the handlers (by the store, say) it must not end the worker
 * for good, or the instance goes on answering 200 with fewer workers, and with none, runs nothing.
 */
class InboxWorkerErrorTest {

    private static final String API_KEY = "inbox-api-key-0123456789";
    private static final byte[] ERRORED = Samples.of(EventType.WORKFLOW_ERRORED);

    private final MutableClock clock = MutableClock.at("2026-11-30T10:00:00Z");
    private final InMemoryInboxStore inbox = InMemoryInboxStore.builder().clock(clock).build();
    private final List<String> runs = new CopyOnWriteArrayList<>();
    private WebhookReceiver receiver;

    @AfterEach
    void closeReceiver() {
        if (receiver != null) {
            receiver.close(Duration.ofSeconds(5));
        }
    }

    private static DeliveryRequest signed(byte[] body) {
        return DeliveryRequest.of("POST", Headers.builder()
                .add("x-cobalt-signature", WebhookSigner.of(API_KEY).sign(body)).build(), body);
    }

    private static byte[] event(int n) {
        String id = "656f308b9144bb8f183b" + String.format("%04x", n + 0x1000);
        return new String(ERRORED, StandardCharsets.UTF_8).replace("656f308b9144bb8f183bfc7b", id)
                .getBytes(StandardCharsets.UTF_8);
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("waited 20 s for the inbox's worker").isNegative();
            Thread.sleep(5);
        }
    }

    @Test
    void anErrorThrownByTheStoreOutsideTheHandlersLeavesTheOnlyWorkerRunningTheNextDeliveries() throws Exception {
        AtomicInteger errorsLeft = new AtomicInteger(1);
        AtomicInteger takes = new AtomicInteger();
        ForwardingInboxStore failing = new ForwardingInboxStore(inbox) {
            @Override
            public List<InboxEntry> take(String owner, int max, Duration lease) {
                takes.incrementAndGet();
                if (errorsLeft.getAndDecrement() > 0) {
                    throw new OutOfMemoryError("Java heap space (thrown by the test's store)");
                }
                return super.take(owner, max, lease);
            }
        };
        receiver = WebhookReceiver.builder().signingKey("live", API_KEY).clock(clock).manualHeartbeats()
                .inbox(failing, InboxOptions.defaults().withWorkers(1).withPollInterval(Duration.ofMillis(20)))
                .on(WorkflowErrored.class, (event, context) -> runs.add(event.instanceId()))
                .build();
        await(() -> errorsLeft.get() < 0 || takes.get() > 0); // the worker's first take threw

        assertThat(receiver.receive(signed(event(0))).outcome()).isEqualTo(Outcome.ACCEPTED);
        assertThat(receiver.receive(signed(event(1))).outcome()).isEqualTo(Outcome.ACCEPTED);

        await(() -> inbox.stats().count(InboxState.DONE) == 2);
        assertThat(runs).hasSize(2);
    }

    @Test
    void anErrorTheStoreKeepsThrowingIsAskedAgainAfterThePollIntervalNotInAHotLoop() throws Exception {
        AtomicInteger takes = new AtomicInteger();
        ForwardingInboxStore failing = new ForwardingInboxStore(inbox) {
            @Override
            public List<InboxEntry> take(String owner, int max, Duration lease) {
                takes.incrementAndGet();
                throw new NoClassDefFoundError("org/example/Driver (thrown by the test's store)");
            }
        };
        receiver = WebhookReceiver.builder().signingKey("live", API_KEY).clock(clock).manualHeartbeats()
                .inbox(failing, InboxOptions.defaults().withWorkers(1).withPollInterval(Duration.ofMinutes(10)))
                .on(WorkflowErrored.class, (event, context) -> runs.add(event.instanceId()))
                .build();
        await(() -> takes.get() > 0);

        // A wait of a poll interval (ten minutes) follows every failed take, as after a RuntimeException: one take
        // more at most for a LOOK queued at the start. A slow machine can only make this pass without the wait.
        Thread.sleep(500);
        assertThat(takes.get()).as("takes within half a second of a store that keeps throwing").isLessThanOrEqualTo(2);
    }

    @Test
    void anErrorThrownByAHandlerFailsItsAttemptWhichIsRetriedAndTheWorkerGoesOn() throws Exception {
        List<Attempt> attempts = new CopyOnWriteArrayList<>();
        receiver = WebhookReceiver.builder().signingKey("live", API_KEY).clock(clock).manualHeartbeats()
                .inbox(inbox, InboxOptions.defaults().withWorkers(1).withPollInterval(Duration.ofMillis(20))
                        .withRetries(new RetryPolicy(3, Duration.ofSeconds(1), Duration.ofSeconds(4))))
                .on(WorkflowErrored.class, (event, context) -> {
                    attempts.add(context.attempt());
                    if (attempts.size() == 1) {
                        throw new StackOverflowError("thrown by the test's handler");
                    }
                })
                .build();

        receiver.receive(signed(ERRORED));
        await(() -> inbox.stats().count(InboxState.PENDING) == 1 && attempts.size() == 1);
        assertThat(inbox.list(ai.refold.webhooks.idempotency.InboxQuery.in(InboxState.PENDING)).get(0).lastError())
                .hasValueSatisfying(error -> assertThat(error).startsWith("java.lang.StackOverflowError"));
        clock.advance(Duration.ofMinutes(1));

        await(() -> inbox.stats().count(InboxState.DONE) == 1);
        assertThat(attempts).containsExactly(Attempt.FIRST, Attempt.FIRST);
    }

    @Test
    void aHandlerThatNeverReturnsHoldsOnlyItsWorkerTheOtherGoesOnAndCloseEndsWithinItsTimeout() throws Exception {
        java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
        String stuck = "656f308b9144bb8f183b1000";
        try {
            receiver = WebhookReceiver.builder().signingKey("live", API_KEY).clock(clock).manualHeartbeats()
                    .inbox(inbox, InboxOptions.defaults().withWorkers(2).withPollInterval(Duration.ofMillis(20)))
                    .on(WorkflowErrored.class, (event, context) -> {
                        runs.add(event.instanceId());
                        if (event.instanceId().equals(stuck)) {
                            never.await();
                        }
                    })
                    .build();
            receiver.receive(signed(event(0)));
            await(() -> runs.contains(stuck));
            for (int i = 1; i <= 4; i++) {
                assertThat(receiver.receive(signed(event(i))).outcome()).isEqualTo(Outcome.ACCEPTED);
            }
            await(() -> inbox.stats().count(InboxState.DONE) == 4);

            long start = System.nanoTime();
            receiver.close(Duration.ofMillis(300));
            assertThat(System.nanoTime() - start).as("close waited for its timeout, not for the handler")
                    .isLessThan(TimeUnit.SECONDS.toNanos(15));
            assertThat(inbox.find("workflow-errored:-:" + stuck).orElseThrow().state())
                    .as("left to its lease for the next instance").isEqualTo(InboxState.PROCESSING);
            assertThat(runs).hasSize(5);
        } finally {
            never.countDown();
        }
    }
}
