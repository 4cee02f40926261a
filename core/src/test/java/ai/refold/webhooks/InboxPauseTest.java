package ai.refold.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.Samples;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.idempotency.InMemoryInboxStore;
import ai.refold.webhooks.idempotency.InboxState;
import ai.refold.webhooks.signature.WebhookSigner;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An inbox paused and resumed, as a framework's lifecycle stop and start do (Spring's {@code stop()} and
 * {@code start()}, a checkpoint and its restore): its workers finish what they run, take nothing new and give back
 * what was handed to them unstarted, then run again, each worker on one loop, what arrived meanwhile.
 */
@Timeout(60)
class InboxPauseTest {

    private static final String API_KEY = "inbox-api-key-0123456789";
    private static final byte[] ERRORED = Samples.of(EventType.WORKFLOW_ERRORED);
    private static final String A = id(1);
    private static final String B = id(2);

    private final InMemoryInboxStore memory = InMemoryInboxStore.create();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final List<Thread> loops = new CopyOnWriteArrayList<>();
    private final Map<String, Thread> ranOn = new ConcurrentHashMap<>();
    private final CountDownLatch startedA = new CountDownLatch(1);
    private final CountDownLatch releaseA = new CountDownLatch(1);
    private final CountDownLatch ranB = new CountDownLatch(1);
    private final WebhookReceiver receiver = WebhookReceiver.builder().signingKey("live", API_KEY)
            .inbox(memory, InboxOptions.defaults().withWorkers(1).withExecutor(task -> {
                Thread loop = new Thread(task, "test-inbox-loop-" + loops.size());
                loop.setDaemon(true);
                loops.add(loop);
                loop.start();
            }))
            .on(WorkflowErrored.class, (event, context) -> {
                ranOn.put(event.instanceId(), Thread.currentThread());
                if (event.instanceId().equals(A)) {
                    startedA.countDown();
                    try {
                        assertThat(releaseA.await(30, TimeUnit.SECONDS)).isTrue();
                    } catch (InterruptedException e) {
                        events.add("interrupted");
                        throw e;
                    }
                }
                events.add("ran " + event.instanceId());
                if (event.instanceId().equals(B)) {
                    ranB.countDown();
                }
            })
            .build();

    @AfterEach
    void close() {
        releaseA.countDown();
        receiver.close(Duration.ofSeconds(10));
    }

    @Test
    void pauseWaitsForTheRunInFlightTakesNothingNewAndResumeRunsWhatWasStoredMeanwhile() throws Exception {
        assertThat(receiver.receive(signed(A)).outcome()).isEqualTo(Outcome.ACCEPTED);
        assertThat(startedA.await(20, TimeUnit.SECONDS)).isTrue();
        AtomicBoolean inTime = new AtomicBoolean();

        Thread pauser = new Thread(() -> {
            inTime.set(receiver.pause(Duration.ofSeconds(30)));
            events.add("paused");
        });
        pauser.start();
        // Released once pause returned (it did not wait) or waits for the run.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (pauser.isAlive() && pauser.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline) {
            pauser.join(5);
        }
        releaseA.countDown();
        pauser.join(TimeUnit.SECONDS.toMillis(30));

        assertThat(pauser.isAlive()).isFalse();
        assertThat(inTime).isTrue();
        assertThat(events).containsExactly("ran " + A, "paused");
        assertThat(loops).hasSize(1);
        loops.get(0).join(TimeUnit.SECONDS.toMillis(20));
        assertThat(loops.get(0).isAlive()).as("the worker's loop ended").isFalse();

        // Stored and answered while paused, due for the workers once they resume: no loop is left to run it.
        assertThat(receiver.receive(signed(B)).outcome()).isEqualTo(Outcome.ACCEPTED);
        assertThat(memory.stats().count(InboxState.PENDING)).isOne();

        receiver.resume();

        assertThat(ranB.await(20, TimeUnit.SECONDS)).isTrue();
        assertThat(loops).hasSize(2);
        assertThat(events).containsExactly("ran " + A, "paused", "ran " + B);
    }

    @Test
    void aDeliveryHandedOverButNotStartedAtPauseIsGivenBackDueAndRunsAfterResume() throws Exception {
        assertThat(receiver.receive(signed(A)).outcome()).isEqualTo(Outcome.ACCEPTED);
        assertThat(startedA.await(20, TimeUnit.SECONDS)).isTrue();
        assertThat(receiver.receive(signed(B)).outcome()).isEqualTo(Outcome.ACCEPTED); // waits for the busy worker

        assertThat(receiver.pause(Duration.ofMillis(50))).as("A still runs").isFalse();
        assertThat(memory.stats().count(InboxState.PENDING)).as("B given back, due").isOne();
        releaseA.countDown();
        loops.get(0).join(TimeUnit.SECONDS.toMillis(20));

        assertThat(loops.get(0).isAlive()).as("the worker's loop ended once A did").isFalse();
        assertThat(events).containsExactly("ran " + A);
        receiver.resume();
        assertThat(ranB.await(20, TimeUnit.SECONDS)).isTrue();
        assertThat(events).containsExactly("ran " + A, "ran " + B);
    }

    // A resume that comes while a worker still runs what it had when the pause gave up waiting: that worker goes on
    // looping, and no second loop starts beside it.
    @Test
    void aResumeWhileAPausedWorkerStillRunsKeepsItsLoopAndStartsNoOther() throws Exception {
        assertThat(receiver.receive(signed(A)).outcome()).isEqualTo(Outcome.ACCEPTED);
        assertThat(startedA.await(20, TimeUnit.SECONDS)).isTrue();

        assertThat(receiver.pause(Duration.ofMillis(50))).isFalse();
        receiver.resume();
        releaseA.countDown();
        assertThat(receiver.receive(signed(B)).outcome()).isEqualTo(Outcome.ACCEPTED);

        assertThat(ranB.await(20, TimeUnit.SECONDS)).isTrue();
        assertThat(loops).hasSize(1);
        assertThat(ranOn.get(B)).isSameAs(ranOn.get(A));
        assertThat(events).containsExactly("ran " + A, "ran " + B);
    }

    // An in-memory store loses what it holds with the process: a close after a pause (Spring's stop, then its
    // close) runs, within its timeout, what was stored or given back while paused, as a close without a pause does.
    @Test
    void aCloseAfterAPauseStillRunsWhatAnInMemoryStoreHolds() {
        assertThat(receiver.pause(Duration.ofSeconds(10))).isTrue();
        assertThat(receiver.receive(signed(B)).outcome()).isEqualTo(Outcome.ACCEPTED);
        assertThat(memory.stats().count(InboxState.PENDING)).isOne();

        receiver.close(Duration.ofSeconds(20));

        assertThat(events).containsExactly("ran " + B);
        assertThat(memory.stats().count(InboxState.PENDING)).isZero();
    }

    // Spring's stop() pauses the workers' executor too (a ThreadPoolTaskExecutor then holds new tasks until a start),
    // and its close comes without a start: the drain cannot wait for that executor.
    @Test
    void aCloseAfterAPauseDrainsEvenIfTheWorkersExecutorHoldsNewTasks() {
        List<Runnable> held = new CopyOnWriteArrayList<>();
        AtomicBoolean holding = new AtomicBoolean();
        InMemoryInboxStore store = InMemoryInboxStore.create();
        WebhookReceiver paused = WebhookReceiver.builder().signingKey("live", API_KEY)
                .inbox(store, InboxOptions.defaults().withWorkers(1).withExecutor(task -> {
                    if (holding.get()) {
                        held.add(task);
                        return;
                    }
                    Thread loop = new Thread(task, "test-inbox-loop");
                    loop.setDaemon(true);
                    loop.start();
                }))
                .on(WorkflowErrored.class, (event, context) -> events.add("ran " + event.instanceId()))
                .build();
        assertThat(paused.pause(Duration.ofSeconds(10))).isTrue();
        holding.set(true);
        assertThat(paused.receive(signed(B)).outcome()).isEqualTo(Outcome.ACCEPTED);

        paused.close(Duration.ofSeconds(20));

        assertThat(events).containsExactly("ran " + B);
        assertThat(held).isEmpty();
    }

    @Test
    void pauseAndResumeDoNothingOutsideInboxModeOrOnceClosed() {
        WebhookReceiver plain = WebhookReceiver.builder().signingKey("live", API_KEY)
                .on(WorkflowErrored.class, (event, context) -> events.add("ran " + event.instanceId())).build();
        assertThat(plain.pause(Duration.ofSeconds(1))).isTrue();
        plain.resume();
        assertThat(plain.receive(signed(A)).outcome()).isEqualTo(Outcome.PROCESSED);
        plain.close();

        receiver.close(Duration.ofSeconds(10));
        receiver.resume();
        assertThat(loops).hasSize(1);
        assertThat(receiver.pause(Duration.ofSeconds(1))).isTrue();
    }

    private static String id(int n) {
        return "656f308b9144bb8f183b" + String.format("%04x", n + 0x1000);
    }

    private static DeliveryRequest signed(String instanceId) {
        byte[] body = new String(ERRORED, StandardCharsets.UTF_8).replace("656f308b9144bb8f183bfc7b", instanceId)
                .getBytes(StandardCharsets.UTF_8);
        return DeliveryRequest.of("POST", Headers.builder()
                .add("x-cobalt-signature", WebhookSigner.of(API_KEY).sign(body)).build(), body);
    }
}
