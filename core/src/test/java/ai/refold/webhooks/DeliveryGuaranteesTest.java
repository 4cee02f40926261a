package ai.refold.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.refold.webhooks.DeliveryContext.Attempt;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.Samples;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.idempotency.ClaimResult;
import ai.refold.webhooks.idempotency.InMemoryIdempotencyStore;
import ai.refold.webhooks.signature.WebhookSigner;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The delivery guarantees under the faults that used to break them, one test per reproduced case, with time moved by
 * hand: two receivers ("instances") share one in-memory store on one clock, and heartbeats are swept by the test
 * where the daemon thread would sweep. Each test counts the handler's runs per event. The same cases run over
 * PostgreSQL with real time in test-support.
 */
class DeliveryGuaranteesTest {

    private static final String API_KEY = "guarantees-api-key-0123";
    private static final Duration LEASE = WebhookReceiver.DEFAULT_LEASE;
    private static final byte[] ERRORED = Samples.of(EventType.WORKFLOW_ERRORED);

    private final MutableClock clock = MutableClock.at("2026-11-30T10:00:00Z");
    private final InMemoryIdempotencyStore memory = InMemoryIdempotencyStore.builder().clock(clock).build();
    private final FaultyStore store = new FaultyStore(memory);
    private final ConcurrentHashMap<String, AtomicInteger> runs = new ConcurrentHashMap<>();
    private final List<Attempt> attempts = new ArrayList<>();

    private WebhookReceiver.Builder instance() {
        return WebhookReceiver.builder().signingKey("live", API_KEY).idempotencyStore(store).clock(clock)
                .pause(clock::advance).manualHeartbeats();
    }

    private WebhookReceiver counting(EventHandler<WorkflowErrored> handler) {
        return instance().on(WorkflowErrored.class, (event, context) -> {
            runs.computeIfAbsent(event.instanceId(), id -> new AtomicInteger()).incrementAndGet();
            attempts.add(context.attempt());
            handler.handle(event, context);
        }).build();
    }

    private static DeliveryRequest signed(byte[] body) {
        return DeliveryRequest.of("POST", Headers.of("x-cobalt-signature", WebhookSigner.of(API_KEY).sign(body)),
                body);
    }

    private int runsOf(String instanceId) {
        AtomicInteger count = runs.get(instanceId);
        return count == null ? 0 : count.get();
    }

    // ---- case 1: a handler slower than the lease ----

    @Test
    void case1AHandlerSlowerThanTheLeaseKeepsItsClaimSoACopyAfterTheLeaseIsInProgressAndALaterOneADuplicate() {
        List<DeliveryResult> copies = new ArrayList<>();
        WebhookReceiver[] instances = new WebhookReceiver[2];
        instances[0] = counting((event, context) -> {
            for (int step = 0; step < 3; step++) {
                clock.advance(LEASE.dividedBy(2));
                instances[0].heartbeats().renewAll();
            }
            copies.add(instances[1].receive(signed(ERRORED)));
        });
        instances[1] = counting((event, context) -> { });

        DeliveryResult result = instances[0].receive(signed(ERRORED));

        assertThat(result.outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(copies).extracting(DeliveryResult::outcome).containsExactly(Outcome.IN_PROGRESS);
        assertThat(copies.get(0).responseHeaders()).containsEntry("Retry-After", "10");
        assertThat(instances[1].receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.DUPLICATE);
        assertThat(runsOf("656f308b9144bb8f183bfc7b")).isEqualTo(1);
    }

    @Test
    void case1WithoutRenewalsTheSameCopyWouldTakeTheClaimOverSoTheRenewalsAreWhatHoldIt() {
        List<DeliveryResult> copies = new ArrayList<>();
        WebhookReceiver[] other = new WebhookReceiver[1];
        WebhookReceiver unrenewed = counting((event, context) -> {
            clock.advance(LEASE.multipliedBy(3).dividedBy(2));
            copies.add(other[0].receive(signed(ERRORED)));
        });
        other[0] = counting((event, context) -> { });

        unrenewed.receive(signed(ERRORED));

        assertThat(copies).extracting(DeliveryResult::outcome).containsExactly(Outcome.PROCESSED);
        assertThat(runsOf("656f308b9144bb8f183bfc7b")).isEqualTo(2);
        assertThat(attempts).containsExactly(Attempt.FIRST, Attempt.RERUN);
    }

    // ---- case 2: the store is unavailable at completion ----

    @Test
    void case2AStoreBlipAtCompletionShorterThanTheRetriesStillRecordsTheEventSoItRunsOnce() {
        WebhookReceiver receiver = counting((event, context) -> store.failNext(FaultyStore.Operation.COMPLETE, 2));

        assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.PROCESSED);

        clock.advance(LEASE.multipliedBy(2));
        assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.DUPLICATE);
        assertThat(runsOf("656f308b9144bb8f183bfc7b")).isEqualTo(1);
        assertThat(store.calls(FaultyStore.Operation.COMPLETE)).isEqualTo(3);
    }

    @Test
    void case2AStoreDownPastTheRetriesAtCompletionAnswers200AndALaterCopyRunsTheEventOnceMoreAsARerun() {
        WebhookReceiver receiver = counting((event, context) -> {
            if (context.attempt() == Attempt.FIRST) {
                store.failAlways(FaultyStore.Operation.COMPLETE);
            }
        });

        assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.PROCESSED);
        store.heal(FaultyStore.Operation.COMPLETE);
        assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.IN_PROGRESS);
        clock.advance(LEASE.plusSeconds(1));

        assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.DUPLICATE);
        assertThat(runsOf("656f308b9144bb8f183bfc7b")).isEqualTo(2);
        assertThat(attempts).containsExactly(Attempt.FIRST, Attempt.RERUN);
    }

    @Test
    void case2AStoreBlipAtCompletionAfterAHandlerThatLeftItsThreadInterruptedStillRecordsTheEvent() {
        // The pauses between tries sleep as Thread.sleep does: one begun on an interrupted thread throws at once.
        WebhookReceiver receiver = WebhookReceiver.builder().signingKey("live", API_KEY).idempotencyStore(store)
                .clock(clock).manualHeartbeats()
                .pause(pause -> {
                    if (Thread.interrupted()) {
                        throw new InterruptedException("sleep interrupted");
                    }
                    clock.advance(pause);
                })
                .on(WorkflowErrored.class, (event, context) -> {
                    runs.computeIfAbsent(event.instanceId(), id -> new AtomicInteger()).incrementAndGet();
                    store.failNext(FaultyStore.Operation.COMPLETE, 2);
                    Thread.currentThread().interrupt(); // as a handler does that caught an InterruptedException
                })
                .build();
        boolean interruptedAfter;
        try {
            assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.PROCESSED);
        } finally {
            interruptedAfter = Thread.interrupted();
        }

        assertThat(interruptedAfter).as("the handler's interrupt is given back to its thread").isTrue();
        assertThat(store.calls(FaultyStore.Operation.COMPLETE)).isEqualTo(3);
        clock.advance(LEASE.multipliedBy(2));
        assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.DUPLICATE);
        assertThat(runsOf("656f308b9144bb8f183bfc7b")).isEqualTo(1);
    }

    @Test
    void case2TheClaimStaysRenewedWhileCompletionIsRetriedSoACopyCannotRerunAnEventWhoseHandlersRan() {
        List<DeliveryResult> copies = new ArrayList<>();
        WebhookReceiver[] instances = new WebhookReceiver[2];
        instances[0] = WebhookReceiver.builder().signingKey("live", API_KEY).idempotencyStore(store).clock(clock)
                .manualHeartbeats().lease(Duration.ofSeconds(1))
                .pause(pause -> {
                    clock.advance(pause);
                    instances[0].heartbeats().renewAll();
                    copies.add(instances[1].receive(signed(ERRORED)));
                })
                .on(WorkflowErrored.class, (event, context) -> {
                    runs.computeIfAbsent(event.instanceId(), id -> new AtomicInteger()).incrementAndGet();
                    store.failNext(FaultyStore.Operation.COMPLETE, StoreRetries.PAUSES.length);
                })
                .build();
        instances[1] = counting((event, context) -> { });

        assertThat(instances[0].receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.PROCESSED);

        assertThat(copies).extracting(DeliveryResult::outcome)
                .containsExactly(Outcome.IN_PROGRESS, Outcome.IN_PROGRESS, Outcome.IN_PROGRESS);
        assertThat(instances[1].receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.DUPLICATE);
        assertThat(runsOf("656f308b9144bb8f183bfc7b")).isEqualTo(1);
    }

    // ---- case 3: an instance dies mid-handler ----

    @Test
    void case3AClaimOfACrashedInstanceFreesWithinOneLeaseSoTheThirdRetryToAnotherInstanceProcessesTheEvent() {
        WebhookReceiver crashed = counting((event, context) -> { });
        WebhookReceiver survivor = counting((event, context) -> { });
        Admission admission = crashed.admit(signed(ERRORED));
        assertThat(admission).isInstanceOf(Admission.Admitted.class);
        crashed.heartbeats().close(); // the instance dies: nothing ends the admission, nothing renews it

        List<DeliveryResult> retries = new ArrayList<>();
        for (int delay : new int[] {1, 3, 7}) {
            clock.advance(Duration.ofSeconds(delay));
            retries.add(survivor.receive(signed(ERRORED)));
        }

        assertThat(retries).extracting(DeliveryResult::outcome)
                .containsExactly(Outcome.IN_PROGRESS, Outcome.IN_PROGRESS, Outcome.PROCESSED);
        assertThat(retries.get(0).responseHeaders()).containsEntry("Retry-After", "9");
        assertThat(retries.get(1).responseHeaders()).containsEntry("Retry-After", "6");
        assertThat(attempts).containsExactly(Attempt.RERUN);
    }

    @Test
    void case3ARerunThatFailsLeavesTheNextAttemptARerunTooSinceTheCrashedOneMayHaveRunAnyHandler() {
        AtomicInteger alerts = new AtomicInteger();
        List<Attempt> auditAttempts = new ArrayList<>();
        List<Attempt> alertAttempts = new ArrayList<>();
        WebhookReceiver crashed = instance().on(WorkflowErrored.class, (event, context) -> { }).build();
        WebhookReceiver survivor = instance()
                .on("audit", EventFilter.of(WorkflowErrored.class), (event, context) -> auditAttempts.add(
                        context.attempt()))
                .on("alert", EventFilter.of(WorkflowErrored.class), (event, context) -> {
                    alertAttempts.add(context.attempt());
                    if (alerts.incrementAndGet() == 1) {
                        throw new IllegalStateException("pager is down");
                    }
                })
                .build();
        assertThat(crashed.admit(signed(ERRORED))).isInstanceOf(Admission.Admitted.class);
        crashed.heartbeats().close(); // dies mid-handler: its handlers may or may not have run
        clock.advance(LEASE.plusSeconds(1));

        assertThat(survivor.receive(signed(ERRORED)).status()).isEqualTo(500);
        assertThat(survivor.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.PROCESSED);

        // The audit handler succeeded in the takeover and is not run again; the alert handler's retry is still told
        // that the crashed attempt may have run it.
        assertThat(auditAttempts).containsExactly(Attempt.RERUN);
        assertThat(alertAttempts).containsExactly(Attempt.RERUN, Attempt.RERUN);
        assertThat(survivor.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.DUPLICATE);
    }

    @Test
    void case3AFirstAttemptThatFailsLeavesTheNextOneAFirstAttempt() {
        AtomicInteger calls = new AtomicInteger();
        WebhookReceiver receiver = counting((event, context) -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("downstream is down");
            }
        });

        assertThat(receiver.receive(signed(ERRORED)).status()).isEqualTo(500);
        assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(attempts).containsExactly(Attempt.FIRST, Attempt.FIRST);
    }

    // ---- case 4: acknowledge-fast ----

    @Test
    void case4TimeInTheAcknowledgeFastQueueDoesNotLetACopyTakeTheEventOver() {
        List<Runnable> queue = new ArrayList<>();
        Executor executor = queue::add;
        WebhookReceiver receiver = instance().acknowledgeFast(executor)
                .on(WorkflowErrored.class, (event, context) -> runs.computeIfAbsent(event.instanceId(),
                        id -> new AtomicInteger()).incrementAndGet())
                .build();

        assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.ACCEPTED);
        for (int step = 0; step < 4; step++) {
            clock.advance(LEASE.dividedBy(2));
            receiver.heartbeats().renewAll();
        }
        assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.IN_PROGRESS);
        queue.forEach(Runnable::run);

        assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.DUPLICATE);
        assertThat(runsOf("656f308b9144bb8f183bfc7b")).isEqualTo(1);
        assertThat(queue).hasSize(1);
    }

    @Test
    void case4AnAcknowledgeFastInstanceThatCrashesLosesItsQueuedEventsAlthoughEachWasAnswered200() {
        List<Runnable> queue = new ArrayList<>();
        WebhookReceiver crashed = instance().acknowledgeFast(queue::add)
                .on(WorkflowErrored.class, (event, context) -> runs.computeIfAbsent(event.instanceId(),
                        id -> new AtomicInteger()).incrementAndGet())
                .build();
        WebhookReceiver survivor = counting((event, context) -> { });
        List<byte[]> events = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            events.add(new String(ERRORED, StandardCharsets.UTF_8)
                    .replace("656f308b9144bb8f183bfc7b", "656f308b9144bb8f183bfc7" + i).getBytes(StandardCharsets.UTF_8));
        }
        for (byte[] event : events) {
            DeliveryResult answer = crashed.receive(signed(event));
            assertThat(answer.outcome()).isEqualTo(Outcome.ACCEPTED);
            assertThat(answer.status()).isEqualTo(200);
        }

        crashed.heartbeats().close(); // the process dies: its queue goes with it, nothing renews or ends the claims
        queue.clear();
        clock.advance(LEASE.plusSeconds(1));

        // Refold had a 200 for each and sends no retry: no handler of any of the three ever runs.
        assertThat(runs).isEmpty();
        // Only a copy that arrives anyway (a duplicate delivery) runs its event, told that it may have run before.
        assertThat(survivor.receive(signed(events.get(0))).outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(runsOf("656f308b9144bb8f183bfc70")).isEqualTo(1);
        assertThat(runsOf("656f308b9144bb8f183bfc71")).isZero();
        assertThat(runsOf("656f308b9144bb8f183bfc72")).isZero();
        assertThat(attempts).containsExactly(Attempt.RERUN);
    }

    // ---- case 5: several handlers for one event ----

    @Test
    void case5WhenTheSecondOfTwoHandlersFailsOnceTheRetryRunsOnlyTheSecond() {
        AtomicInteger firstRuns = new AtomicInteger();
        AtomicInteger secondRuns = new AtomicInteger();
        WebhookReceiver receiver = instance()
                .on("audit", EventFilter.of(WorkflowErrored.class), (event, context) -> firstRuns.incrementAndGet())
                .on("alert", EventFilter.of(WorkflowErrored.class), (event, context) -> {
                    if (secondRuns.incrementAndGet() == 1) {
                        throw new IllegalStateException("pager is down");
                    }
                })
                .build();

        assertThat(receiver.receive(signed(ERRORED)).status()).isEqualTo(500);
        assertThat(store.doneHandlers(StandardKeys.ERRORED)).containsExactly("audit");
        assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.PROCESSED);

        assertThat(firstRuns).hasValue(1);
        assertThat(secondRuns).hasValue(2);
        assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.DUPLICATE);
    }

    @Test
    void case5AStoreBlipWhenAFailedAttemptIsReleasedStillRemembersTheHandlersThatSucceeded() {
        AtomicInteger firstRuns = new AtomicInteger();
        AtomicInteger secondRuns = new AtomicInteger();
        List<Attempt> alertAttempts = new ArrayList<>();
        WebhookReceiver receiver = instance()
                .on("audit", EventFilter.of(WorkflowErrored.class), (event, context) -> firstRuns.incrementAndGet())
                .on("alert", EventFilter.of(WorkflowErrored.class), (event, context) -> {
                    alertAttempts.add(context.attempt());
                    if (secondRuns.incrementAndGet() == 1) {
                        store.failNext(FaultyStore.Operation.RELEASE, 2); // the store blips as the failure is recorded
                        throw new IllegalStateException("pager is down");
                    }
                })
                .build();

        assertThat(receiver.receive(signed(ERRORED)).status()).isEqualTo(500);
        assertThat(store.calls(FaultyStore.Operation.RELEASE)).isEqualTo(3);
        assertThat(store.doneHandlers(StandardKeys.ERRORED)).containsExactly("audit");
        clock.advance(Duration.ofSeconds(1)); // Refold's first retry
        assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.PROCESSED);

        assertThat(firstRuns).hasValue(1);
        assertThat(secondRuns).hasValue(2);
        assertThat(alertAttempts).containsExactly(Attempt.FIRST, Attempt.FIRST);
        assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.DUPLICATE);
    }

    @Test
    void case5AStoreDownPastTheRetriesWhenAFailedAttemptIsReleasedLeavesTheClaimToItsLeaseAndTheNextCopyARerun() {
        AtomicInteger firstRuns = new AtomicInteger();
        AtomicInteger secondRuns = new AtomicInteger();
        List<Attempt> auditAttempts = new ArrayList<>();
        WebhookReceiver receiver = instance()
                .on("audit", EventFilter.of(WorkflowErrored.class), (event, context) -> {
                    auditAttempts.add(context.attempt());
                    firstRuns.incrementAndGet();
                })
                .on("alert", EventFilter.of(WorkflowErrored.class), (event, context) -> {
                    if (secondRuns.incrementAndGet() == 1) {
                        store.failAlways(FaultyStore.Operation.RELEASE);
                        throw new IllegalStateException("pager is down");
                    }
                })
                .build();

        assertThat(receiver.receive(signed(ERRORED)).status()).isEqualTo(500);
        store.heal(FaultyStore.Operation.RELEASE);
        assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.IN_PROGRESS);
        clock.advance(LEASE.plusSeconds(1));
        assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.PROCESSED);

        // Nothing recorded that "audit" succeeded: it runs again, told that an earlier attempt may have run it.
        assertThat(firstRuns).hasValue(2);
        assertThat(auditAttempts).containsExactly(Attempt.FIRST, Attempt.RERUN);
        assertThat(secondRuns).hasValue(2);
        assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.DUPLICATE);
    }

    @Test
    void case5AStoreBlipWhileTheRetryReadsWhatTheFailedAttemptRecordedStillRunsOnlyTheOthers() {
        AtomicInteger auditRuns = new AtomicInteger();
        AtomicInteger alertRuns = new AtomicInteger();
        List<Attempt> alertAttempts = new ArrayList<>();
        WebhookReceiver receiver = instance()
                .on("audit", EventFilter.of(WorkflowErrored.class), (event, context) -> auditRuns.incrementAndGet())
                .on("alert", EventFilter.of(WorkflowErrored.class), (event, context) -> {
                    alertAttempts.add(context.attempt());
                    if (alertRuns.incrementAndGet() == 1) {
                        throw new IllegalStateException("pager is down");
                    }
                })
                .build();
        assertThat(receiver.receive(signed(ERRORED)).status()).isEqualTo(500);

        store.failNext(FaultyStore.Operation.DONE_HANDLERS, 2); // the store blips as the retry reads the record
        clock.advance(Duration.ofSeconds(1));
        assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.PROCESSED);

        assertThat(store.calls(FaultyStore.Operation.DONE_HANDLERS)).isEqualTo(3);
        assertThat(auditRuns).hasValue(1);
        assertThat(alertRuns).hasValue(2);
        assertThat(alertAttempts).containsExactly(Attempt.FIRST, Attempt.FIRST);
        assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.DUPLICATE);
    }

    @Test
    void case5AStoreDownPastTheRetriesWhileTheRetryReadsTheRecordAnswers503AndKeepsTheRecordForTheNextCopy() {
        AtomicInteger auditRuns = new AtomicInteger();
        AtomicInteger alertRuns = new AtomicInteger();
        List<Attempt> alertAttempts = new ArrayList<>();
        WebhookReceiver receiver = instance()
                .on("audit", EventFilter.of(WorkflowErrored.class), (event, context) -> auditRuns.incrementAndGet())
                .on("alert", EventFilter.of(WorkflowErrored.class), (event, context) -> {
                    alertAttempts.add(context.attempt());
                    if (alertRuns.incrementAndGet() == 1) {
                        throw new IllegalStateException("pager is down");
                    }
                })
                .build();
        assertThat(receiver.receive(signed(ERRORED)).status()).isEqualTo(500);

        store.failAlways(FaultyStore.Operation.DONE_HANDLERS);
        DeliveryResult unreadable = receiver.receive(signed(ERRORED));
        store.heal(FaultyStore.Operation.DONE_HANDLERS);
        assertThat(unreadable.outcome()).isEqualTo(Outcome.STORE_UNAVAILABLE);
        clock.advance(Duration.ofSeconds(1)); // Refold's next retry
        assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.PROCESSED);

        // The unreadable attempt ended its lease instead of releasing the claim, which would have replaced the
        // record: the next copy takes the claim over, told it may be a rerun, and still runs only "alert".
        assertThat(auditRuns).as("audit had succeeded and was recorded as done").hasValue(1);
        assertThat(alertRuns).hasValue(2);
        assertThat(alertAttempts).containsExactly(Attempt.FIRST, Attempt.RERUN);
        assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.DUPLICATE);
    }

    @Test
    void case5AStoreBlipWhileTheRetryReadsTheRecordThatOutlastsTheLeaseRunsNothingOnceACopyTookTheClaimOver() {
        // The reads are retried for about two seconds, longer than a short lease, and no renewal runs meanwhile: a
        // copy that arrives then takes the claim over and runs the event; the attempt whose read came back after
        // that must not run the handlers as well.
        AtomicInteger alertRuns = new AtomicInteger();
        WebhookReceiver[] receiver = new WebhookReceiver[1];
        List<Outcome> copies = new ArrayList<>();
        AtomicInteger pauses = new AtomicInteger();
        receiver[0] = WebhookReceiver.builder().signingKey("live", API_KEY).idempotencyStore(store).clock(clock)
                .lease(WebhookReceiver.MIN_LEASE).manualHeartbeats()
                .pause(pause -> {
                    clock.advance(pause);
                    if (pauses.incrementAndGet() == 3) { // the last pause, past the lease: Refold's copy arrives
                        copies.add(receiver[0].receive(signed(ERRORED)).outcome());
                    }
                })
                .on("audit", EventFilter.of(WorkflowErrored.class), (event, context) -> { })
                .on("alert", EventFilter.of(WorkflowErrored.class), (event, context) -> {
                    if (alertRuns.incrementAndGet() == 1) {
                        throw new IllegalStateException("pager is down");
                    }
                })
                .build();
        assertThat(receiver[0].receive(signed(ERRORED)).status()).isEqualTo(500);

        store.failNext(FaultyStore.Operation.DONE_HANDLERS, 3);
        DeliveryResult late = receiver[0].receive(signed(ERRORED));

        assertThat(copies).containsExactly(Outcome.PROCESSED);
        assertThat(alertRuns).as("alert ran by the copy only, not again by the attempt it overtook").hasValue(2);
        assertThat(late.outcome()).isNotEqualTo(Outcome.PROCESSED);
        assertThat(receiver[0].receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.DUPLICATE);
    }

    // ---- case 6: the key table merged distinct events ----

    @Test
    void case6IdenticalBodiesWithoutANaturalKeyAreOneEventOnlyForTheContentKeyRetention() {
        byte[] template = "{\"alert\":\"disk full\"}".getBytes(StandardCharsets.UTF_8);
        AtomicInteger handled = new AtomicInteger();
        WebhookReceiver receiver = instance().onAny((event, context) -> handled.incrementAndGet()).build();

        assertThat(receiver.receive(signed(template)).outcome()).isEqualTo(Outcome.PROCESSED);
        clock.advance(WebhookReceiver.DEFAULT_CONTENT_KEY_RETENTION.minusSeconds(1));
        assertThat(receiver.receive(signed(template)).outcome()).isEqualTo(Outcome.DUPLICATE);
        clock.advance(Duration.ofSeconds(2));
        assertThat(receiver.receive(signed(template)).outcome()).isEqualTo(Outcome.PROCESSED);

        assertThat(handled).hasValue(2);
        assertThat(WebhookReceiver.DEFAULT_CONTENT_KEY_RETENTION).isGreaterThan(WebhookReceiver.DEFAULT_RETRY_WINDOW);
    }

    @Test
    void case6AConnectionEventsNaturalKeyStillLastsTheFullRetention() {
        byte[] created = Samples.of(EventType.CONNECTION_CREATED);
        WebhookReceiver receiver = instance().onAny((event, context) -> { }).build();

        receiver.receive(signed(created));
        clock.advance(WebhookReceiver.DEFAULT_RETENTION.minusSeconds(1));

        assertThat(receiver.receive(signed(created)).outcome()).isEqualTo(Outcome.DUPLICATE);
    }

    // ---- case 7: durations that overflow, keys a store cannot hold ----

    @Test
    void case7DurationsThatWouldOverflowAreRefusedByTheBuilderAndSaturateInTheStore() {
        assertThatThrownBy(() -> instance().retention(Duration.ofMillis(Long.MAX_VALUE)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("retention must be positive");
        assertThatThrownBy(() -> instance().lease(Duration.ofDays(2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("lease must be at least PT1S and at most PT24H");

        assertThat(memory.claim("k", "owner", Duration.ofSeconds(Long.MAX_VALUE))).isEqualTo(ClaimResult.CLAIMED);
        clock.advance(Duration.ofDays(365 * 100));
        assertThat(memory.claim("k", "other", Duration.ofSeconds(1))).isEqualTo(ClaimResult.IN_PROGRESS);
        assertThat(memory.complete("k", "owner", Duration.ofSeconds(Long.MAX_VALUE))).isTrue();
        assertThat(memory.claim("k", "other", Duration.ofSeconds(1))).isEqualTo(ClaimResult.COMPLETED);
    }

    // ---- case 8: renewals the store does not answer ----

    @Test
    void case8AClaimWhoseRenewalsTheStoreDoesNotAnswerLapsesSoACopyAfterTheLeaseRunsTheEventAgainAsARerun() {
        List<DeliveryResult> copies = new ArrayList<>();
        WebhookReceiver[] instances = new WebhookReceiver[2];
        instances[0] = counting((event, context) -> {
            store.failAlways(FaultyStore.Operation.RENEW); // this instance's renewals stall, its handler runs on
            for (int step = 0; step < 3; step++) {
                clock.advance(LEASE.dividedBy(2));
                instances[0].heartbeats().renewAll();
            }
            store.heal(FaultyStore.Operation.RENEW);
            copies.add(instances[1].receive(signed(ERRORED)));
        });
        instances[1] = counting((event, context) -> { });

        DeliveryResult first = instances[0].receive(signed(ERRORED));

        assertThat(store.calls(FaultyStore.Operation.RENEW)).isEqualTo(3);
        assertThat(copies).extracting(DeliveryResult::outcome).containsExactly(Outcome.PROCESSED);
        // The first instance's handler succeeded: it answers 200, although the copy that took over recorded the event.
        assertThat(first.outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(runsOf("656f308b9144bb8f183bfc7b")).isEqualTo(2);
        assertThat(attempts).containsExactly(Attempt.FIRST, Attempt.RERUN);
        assertThat(instances[1].receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.DUPLICATE);
        assertThat(instances[0].receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.DUPLICATE);
    }

    @Test
    void case8TheOwnerOfALapsedClaimThatNobodyTookOverStillCompletesItSoALaterCopyIsADuplicate() {
        WebhookReceiver[] receiver = new WebhookReceiver[1];
        receiver[0] = counting((event, context) -> {
            store.failAlways(FaultyStore.Operation.RENEW);
            for (int step = 0; step < 3; step++) {
                clock.advance(LEASE.dividedBy(2));
                receiver[0].heartbeats().renewAll();
            }
            store.heal(FaultyStore.Operation.RENEW);
        });

        assertThat(receiver[0].receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(store.calls(FaultyStore.Operation.RENEW)).isEqualTo(3);
        clock.advance(Duration.ofSeconds(1));

        assertThat(receiver[0].receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.DUPLICATE);
        assertThat(runsOf("656f308b9144bb8f183bfc7b")).isEqualTo(1);
        assertThat(attempts).containsExactly(Attempt.FIRST);
    }

    /** The standard key of the documented Workflow Errored sample. */
    private static final class StandardKeys {
        static final String ERRORED = "workflow-errored:-:656f308b9144bb8f183bfc7b";
    }
}
