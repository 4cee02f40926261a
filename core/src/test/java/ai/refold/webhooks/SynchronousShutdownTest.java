package ai.refold.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import ai.refold.webhooks.DeliveryContext.Attempt;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.Samples;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.idempotency.InMemoryIdempotencyStore;
import ai.refold.webhooks.signature.WebhookSigner;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code close(timeout)} in the synchronous mode, on real heartbeats and a one-second lease: a delivery whose handler
 * finishes within the timeout is waited for and recorded; one still running when the timeout ends is neither
 * released nor renewed any more, so that its claim lapses within a lease and a copy then runs the event again as a
 * rerun (as after a crash), while the handler, if the process lives on, still finishes and is answered 200. Handlers
 * are held on latches, so every wait is on a condition, never on the machine's speed.
 */
class SynchronousShutdownTest {

    private static final String API_KEY = "shutdown-api-key-0123456789";
    private static final Duration LEASE = WebhookReceiver.MIN_LEASE;
    private static final long PATIENCE_SECONDS = 60;
    private static final byte[] ERRORED = Samples.of(EventType.WORKFLOW_ERRORED);
    private static final String INSTANCE_ID = "656f308b9144bb8f183bfc7b";

    private final InMemoryIdempotencyStore store = InMemoryIdempotencyStore.create();
    private final List<Attempt> attempts = new CopyOnWriteArrayList<>();
    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch mayFinish = new CountDownLatch(1);
    private final ExecutorService request = Executors.newSingleThreadExecutor();

    @AfterEach
    void stop() {
        mayFinish.countDown();
        request.shutdownNow();
    }

    private WebhookReceiver instance(boolean blocking) {
        return WebhookReceiver.builder().signingKey("live", API_KEY).idempotencyStore(store).lease(LEASE)
                .on(WorkflowErrored.class, (event, context) -> {
                    if (!event.instanceId().equals(INSTANCE_ID)) {
                        return;
                    }
                    attempts.add(context.attempt());
                    if (blocking && attempts.size() == 1) {
                        started.countDown();
                        mayFinish.await(PATIENCE_SECONDS, TimeUnit.SECONDS);
                    }
                })
                .build();
    }

    // Another event each time, so that none is answered as a duplicate before the receiver looks at its state.
    private static DeliveryRequest another(int n) {
        return signed(new String(ERRORED, StandardCharsets.UTF_8)
                .replace(INSTANCE_ID, String.format("656f308b9144bb8f18%06d", n)).getBytes(StandardCharsets.UTF_8));
    }

    private static DeliveryRequest signed(byte[] body) {
        return DeliveryRequest.of("POST", Headers.of("x-cobalt-signature", WebhookSigner.of(API_KEY).sign(body)),
                body);
    }

    @Test
    void aDeliveryThatFinishesWithinTheTimeoutIsWaitedForAndRecordedOnce() throws Exception {
        WebhookReceiver closing = instance(true);
        WebhookReceiver other = instance(false);
        Future<DeliveryResult> first = request.submit(() -> closing.receive(signed(ERRORED)));
        assertThat(started.await(PATIENCE_SECONDS, TimeUnit.SECONDS)).as("the handler started").isTrue();

        Thread closer = new Thread(() -> closing.close(Duration.ofSeconds(PATIENCE_SECONDS)), "closer");
        closer.start();
        // Once closing, the receiver answers a new event 503: from then on close is waiting for the one in flight.
        int[] n = {0};
        await(() -> closing.receive(another(n[0]++)).outcome() == Outcome.OVERLOADED);
        assertThat(closer.isAlive()).as("close waits for the delivery in flight").isTrue();
        mayFinish.countDown();
        closer.join(TimeUnit.SECONDS.toMillis(PATIENCE_SECONDS));

        assertThat(closer.isAlive()).isFalse();
        assertThat(first.get(PATIENCE_SECONDS, TimeUnit.SECONDS).outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(other.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.DUPLICATE);
        assertThat(attempts).containsExactly(Attempt.FIRST);
        other.close();
    }

    @Test
    void aDeliveryStillRunningWhenTheTimeoutEndsIsLeftUnrenewedSoACopyAfterItsLeaseRerunsIt() throws Exception {
        WebhookReceiver closing = instance(true);
        WebhookReceiver other = instance(false);
        Future<DeliveryResult> first = request.submit(() -> closing.receive(signed(ERRORED)));
        assertThat(started.await(PATIENCE_SECONDS, TimeUnit.SECONDS)).as("the handler started").isTrue();

        closing.close(Duration.ofMillis(100));

        assertThat(first).as("close returned while the handler runs").isNotDone();
        // No longer renewed: within a lease a copy takes the event over and runs it. (With the heartbeats still
        // running, every copy would be answered 409, and this wait would time out.) A copy right after the close
        // finds it in progress, unless the machine stalled past the one-second lease first: that is not asserted.
        await(() -> other.receive(signed(ERRORED)).outcome() == Outcome.PROCESSED);
        // Not released either: the copy took over a lapsed claim, so it ran as a rerun (a released one, deleted,
        // would have been a first attempt).
        assertThat(attempts).containsExactly(Attempt.FIRST, Attempt.RERUN);

        // The process lived on: the first handler finishes and, having succeeded, is answered 200.
        mayFinish.countDown();
        assertThat(first.get(PATIENCE_SECONDS, TimeUnit.SECONDS).outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(other.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.DUPLICATE);
        assertThat(attempts).hasSize(2);
        other.close();
    }

    private static void await(Supplier<Boolean> condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PATIENCE_SECONDS);
        while (!condition.get()) {
            assertThat(System.nanoTime() - deadline).as("the condition within %d s", PATIENCE_SECONDS).isNegative();
            Thread.sleep(50);
        }
    }
}
