package ai.refold.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.Samples;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.signature.WebhookSigner;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

class AcknowledgeFastTest {

    private static final String API_KEY = "test-api-key-0123456789";
    private static final byte[] BODY = Samples.of(EventType.WORKFLOW_ERRORED);

    private final ManualExecutor executor = new ManualExecutor();
    private final List<String> calls = new ArrayList<>();

    private static DeliveryRequest signed(byte[] body) {
        return DeliveryRequest.of("POST", Headers.of("x-cobalt-signature", WebhookSigner.of(API_KEY).sign(body)),
                body);
    }

    @Test
    void answers200AtOnceAndRunsTheHandlerLaterOnTheExecutor() {
        WebhookReceiver receiver = WebhookReceiver.builder().signingKey("test", API_KEY).acknowledgeFast(executor)
                .on(WorkflowErrored.class, (event, context) -> calls.add(event.instanceId()))
                .build();

        DeliveryResult result = receiver.receive(signed(BODY));

        assertThat(result.outcome()).isEqualTo(Outcome.ACCEPTED);
        assertThat(result.status()).isEqualTo(200);
        assertThat(result.idempotencyKey()).contains("workflow-errored:-:656f308b9144bb8f183bfc7b");
        assertThat(calls).isEmpty();
        assertThat(executor.pending()).isEqualTo(1);
        assertThat(receiver.receive(signed(BODY)).outcome()).isEqualTo(Outcome.IN_PROGRESS);

        executor.runAll();

        assertThat(calls).containsExactly("656f308b9144bb8f183bfc7b");
        assertThat(receiver.receive(signed(BODY)).outcome()).isEqualTo(Outcome.DUPLICATE);
        assertThat(executor.pending()).isZero();
    }

    @Test
    void runsHandlersOnTheExecutorsThread() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor(task -> new Thread(task, "refold-handler-1"));
        try {
            CountDownLatch done = new CountDownLatch(1);
            ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
            WebhookReceiver receiver = WebhookReceiver.builder().signingKey("test", API_KEY).acknowledgeFast(pool)
                    .onAny((event, context) -> {
                        seen.add(Thread.currentThread().getName());
                        done.countDown();
                    })
                    .build();

            DeliveryResult result = receiver.receive(signed(BODY));

            assertThat(result.outcome()).isEqualTo(Outcome.ACCEPTED);
            assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
            assertThat(seen).containsExactly("refold-handler-1");
        } finally {
            pool.shutdown();
            assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void releasesTheEventWhenTheHandlerFailsSoALaterCopyIsProcessed() {
        AtomicInteger attempts = new AtomicInteger();
        AtomicInteger successes = new AtomicInteger();
        WebhookReceiver receiver = WebhookReceiver.builder().signingKey("test", API_KEY).acknowledgeFast(executor)
                .onAny((event, context) -> {
                    if (attempts.incrementAndGet() == 1) {
                        throw new IllegalStateException("first attempt fails");
                    }
                    successes.incrementAndGet();
                })
                .build();

        assertThat(receiver.receive(signed(BODY)).outcome()).isEqualTo(Outcome.ACCEPTED);
        executor.runAll();
        assertThat(receiver.receive(signed(BODY)).outcome()).isEqualTo(Outcome.ACCEPTED);
        executor.runAll();

        assertThat(attempts).hasValue(2);
        assertThat(successes).hasValue(1);
        assertThat(receiver.receive(signed(BODY)).outcome()).isEqualTo(Outcome.DUPLICATE);
        assertThat(executor.pending()).isZero();
    }

    @Test
    void answers503AndReleasesTheClaimWhenTheExecutorRefuses() {
        WebhookReceiver receiver = WebhookReceiver.builder().signingKey("test", API_KEY).acknowledgeFast(executor)
                .onAny((event, context) -> calls.add("ran"))
                .build();
        executor.rejecting = true;

        DeliveryResult refused = receiver.receive(signed(BODY));

        assertThat(refused.outcome()).isEqualTo(Outcome.OVERLOADED);
        assertThat(refused.status()).isEqualTo(503);
        assertThat(calls).isEmpty();

        executor.rejecting = false;
        assertThat(receiver.receive(signed(BODY)).outcome()).isEqualTo(Outcome.ACCEPTED);
        executor.runAll();
        assertThat(calls).containsExactly("ran");
    }

    // An executor that fails otherwise than by refusing (one never started, one that cannot start a thread) took
    // nothing: the delivery is refused as by a full queue, and its claim released, not left renewed for good.
    @Test
    void anExecutorThatFailsOtherwiseIsAnsweredAsARefusalAndLeavesNoClaimBehind() {
        boolean[] broken = {true};
        WebhookReceiver receiver = WebhookReceiver.builder().signingKey("test", API_KEY)
                .acknowledgeFast(task -> {
                    if (broken[0]) {
                        throw new IllegalStateException("executor not initialized");
                    }
                    executor.execute(task);
                })
                .onAny((event, context) -> calls.add("ran"))
                .build();

        DeliveryResult refused = receiver.receive(signed(BODY));
        broken[0] = false;
        DeliveryResult copy = receiver.receive(signed(BODY));

        assertThat(refused.outcome()).isEqualTo(Outcome.OVERLOADED);
        assertThat(refused.status()).isEqualTo(503);
        assertThat(copy.outcome()).as("a copy after the failure").isEqualTo(Outcome.ACCEPTED);
        executor.runAll();
        assertThat(calls).containsExactly("ran");
        assertThat(receiver.heartbeats().inFlight()).isEmpty();
    }

    /** Queues work until the test runs it, or refuses it. */
    static final class ManualExecutor implements Executor {
        private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        volatile boolean rejecting;

        @Override
        public void execute(Runnable task) {
            if (rejecting) {
                throw new RejectedExecutionException("queue is full");
            }
            tasks.add(task);
        }

        int pending() {
            return tasks.size();
        }

        void runAll() {
            Runnable task;
            while ((task = tasks.poll()) != null) {
                task.run();
            }
        }
    }

    // An executor that runs the task on the caller (a direct executor, CallerRunsPolicy under load) has the outcome
    // before the answer: a failed handler is answered 500, so Refold retries, instead of 200 and lost.
    @Test
    void anExecutorThatRunsTheTaskOnTheCallersThreadAnswersWithItsOutcome() {
        List<Outcome> reported = new ArrayList<>();
        boolean[] failing = {true};
        WebhookReceiver receiver = WebhookReceiver.builder().signingKey("test", API_KEY).acknowledgeFast(Runnable::run)
                .listener((result, elapsed) -> reported.add(result.outcome()))
                .on(WorkflowErrored.class, (event, context) -> {
                    if (failing[0]) {
                        throw new IllegalStateException("downstream is down");
                    }
                })
                .build();

        DeliveryResult failed = receiver.receive(signed(BODY));
        failing[0] = false;
        DeliveryResult retried = receiver.receive(signed(BODY));

        assertThat(failed.status()).isEqualTo(500);
        assertThat(failed.outcome()).isEqualTo(Outcome.HANDLER_FAILED);
        assertThat(retried.outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(reported).containsExactly(Outcome.HANDLER_FAILED, Outcome.PROCESSED);
    }

    // Answered 200, then cancelled at shutdown before its handlers started: the listeners hear of it (a metric can
    // show the loss), not only the log.
    @Test
    void anAcceptedEventCancelledAtShutdownIsReportedToTheListenersAsOverloaded() {
        List<Outcome> reported = new ArrayList<>();
        WebhookReceiver receiver = WebhookReceiver.builder().signingKey("test", API_KEY).acknowledgeFast(executor)
                .listener((result, elapsed) -> reported.add(result.outcome()))
                .onAny((event, context) -> { })
                .build();

        assertThat(receiver.receive(signed(BODY)).status()).isEqualTo(200);
        receiver.close(Duration.ofMillis(50));

        assertThat(reported).containsExactly(Outcome.ACCEPTED, Outcome.OVERLOADED);
        assertThat(executor.pending()).isEqualTo(1);
    }
}
