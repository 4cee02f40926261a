package ai.refold.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.refold.webhooks.DeliveryContext.Attempt;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.Samples;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.idempotency.IdempotencyKeyExtractor;
import ai.refold.webhooks.idempotency.InMemoryIdempotencyStore;
import ai.refold.webhooks.idempotency.InMemoryInboxStore;
import ai.refold.webhooks.idempotency.InboxEntry;
import ai.refold.webhooks.idempotency.InboxQuery;
import ai.refold.webhooks.idempotency.InboxState;
import ai.refold.webhooks.idempotency.InboxStore;
import ai.refold.webhooks.idempotency.JdbcInboxStore;
import ai.refold.webhooks.idempotency.RetryPolicy;
import ai.refold.webhooks.idempotency.StoreUnavailableException;
import ai.refold.webhooks.signature.WebhookSigner;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Inbox mode on the in-memory inbox: a delivery is answered once stored, its handlers run on the workers, failures are
 * retried with backoff beyond Refold's own retries, and what never succeeds is a dead letter to replay. The store's
 * clock is moved by hand; workers are real threads, woken at once by a stored delivery, so the tests wait for what a
 * worker does with a generous bound rather than for a fixed time.
 */
class InboxModeTest {

    private static final String API_KEY = "inbox-api-key-0123456789";
    private static final byte[] ERRORED = Samples.of(EventType.WORKFLOW_ERRORED);
    private static final String KEY = "workflow-errored:-:656f308b9144bb8f183bfc7b";
    private static final RetryPolicy THREE_QUICK_ATTEMPTS = new RetryPolicy(3, Duration.ofSeconds(1),
            Duration.ofSeconds(4));

    private final MutableClock clock = MutableClock.at("2026-11-30T10:00:00Z");
    private final InMemoryInboxStore inbox = InMemoryInboxStore.builder().clock(clock).build();
    private final List<Attempt> attempts = new CopyOnWriteArrayList<>();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private WebhookReceiver receiver;

    @AfterEach
    void closeReceiver() {
        if (receiver != null) {
            receiver.close(Duration.ofSeconds(5));
        }
    }

    private WebhookReceiver receiver(RetryPolicy retries) {
        return receiver(inbox, retries);
    }

    private WebhookReceiver receiver(InboxStore store, RetryPolicy retries) {
        receiver = WebhookReceiver.builder().signingKey("live", API_KEY).clock(clock).manualHeartbeats()
                .pause(clock::advance)
                .inbox(store, InboxOptions.defaults().withRetries(retries).withPollInterval(Duration.ofMillis(20)))
                .on(WorkflowErrored.class, (event, context) -> {
                    attempts.add(context.attempt());
                    if (failuresLeft.getAndDecrement() > 0) {
                        throw new IllegalStateException("downstream is down, key " + API_KEY);
                    }
                })
                .build();
        return receiver;
    }

    private static DeliveryRequest signed(byte[] body) {
        return DeliveryRequest.of("POST", Headers.builder()
                .add("x-cobalt-signature", WebhookSigner.of(API_KEY).sign(body))
                .add("x-refold-subscription", "export-runs")
                .add("Authorization", "Bearer not-for-storage").build(), body);
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("waited 20 s for the inbox's workers").isNegative();
            Thread.sleep(5);
        }
    }

    private InboxState state() {
        return inbox.find(KEY).map(InboxEntry::state).orElse(null);
    }

    @Test
    void aDeliveryIsAnswered200OnceStoredAndItsHandlersRunOnAWorker() throws Exception {
        DeliveryResult result = receiver(RetryPolicy.defaults()).receive(signed(ERRORED));

        assertThat(result.outcome()).isEqualTo(Outcome.ACCEPTED);
        assertThat(result.status()).isEqualTo(200);
        await(() -> state() == InboxState.DONE);
        assertThat(attempts).containsExactly(Attempt.FIRST);
        InboxEntry stored = inbox.find(KEY).orElseThrow();
        assertThat(stored.body()).isEqualTo(ERRORED);
        assertThat(stored.keyLabel()).isEqualTo("live");
        assertThat(stored.eventType()).contains("Workflow Errored");
        assertThat(stored.headers()).containsKey("x-refold-subscription")
                .doesNotContainKeys("x-cobalt-signature", "authorization");
    }

    // A store that stores taken entries gets each delivery so, and a worker runs it without a take; one that does
    // not (an SPI implementation of its own) gets it offered due, and a worker takes it.
    @ParameterizedTest(name = "storesTaken={0}")
    @ValueSource(booleans = {true, false})
    void aDeliveryIsStoredTakenIfTheStoreCanElseOfferedDueAndEitherWayRunOnce(boolean storesTaken) throws Exception {
        CountingInbox counting = new CountingInbox(inbox, storesTaken);
        WebhookReceiver receiver = receiver(counting, RetryPolicy.defaults());

        assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.ACCEPTED);
        await(() -> state() == InboxState.DONE);

        assertThat(counting.offeredTaken).hasValue(storesTaken ? 1 : 0);
        assertThat(counting.offered).hasValue(storesTaken ? 0 : 1);
        assertThat(attempts).containsExactly(Attempt.FIRST);
        assertThat(inbox.find(KEY).orElseThrow().attempts()).isZero();
    }

    @Test
    void aDuplicateOrAStoreFailureHandsNothingOverAndLeavesTheRoomForTheNextDelivery() throws Exception {
        AtomicInteger refusals = new AtomicInteger(1);
        CountingInbox counting = new CountingInbox(inbox, true) {
            @Override
            public boolean offerTaken(InboxEntry entry, String owner, Duration lease) {
                if (refusals.getAndDecrement() > 0) {
                    throw new StoreUnavailableException("inbox is down");
                }
                return super.offerTaken(entry, owner, lease);
            }
        };
        WebhookReceiver receiver = receiver(counting, RetryPolicy.defaults());

        assertThat(receiver.receive(signed(ERRORED)).status()).isEqualTo(503);
        assertThat(receiver.inbox().waitingHandoffs()).isZero();
        assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.ACCEPTED);
        await(() -> state() == InboxState.DONE);
        assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.DUPLICATE);
        assertThat(receiver.inbox().waitingHandoffs()).isZero();
        assertThat(receiver.receive(signed(event(2))).outcome()).isEqualTo(Outcome.ACCEPTED);
        await(() -> attempts.size() == 2);

        assertThat(attempts).containsExactly(Attempt.FIRST, Attempt.FIRST);
        // Stored taken three times (the refused first is counted nowhere): accepted, duplicate, the other event.
        assertThat(counting.offeredTaken).hasValue(3);
        assertThat(counting.offered).hasValue(0);
    }

    // A content key names a body, not an event: two equal bodies are one event within the content-key retention and
    // two after it, whether or not a purge has deleted the first one's entry meanwhile (none runs here).
    @Test
    void anEqualBodyWithAContentKeyIsADuplicateWithinItsRetentionAndANewEventAfterItWithoutAPurge() throws Exception {
        byte[] body = new String(ERRORED, StandardCharsets.UTF_8).replace("656f308b9144bb8f183bfc7b", "")
                .getBytes(StandardCharsets.UTF_8);
        WebhookReceiver receiver = receiver(RetryPolicy.defaults());

        DeliveryResult first = receiver.receive(signed(body));
        assertThat(first.outcome()).isEqualTo(Outcome.ACCEPTED);
        String key = first.idempotencyKey().orElseThrow();
        assertThat(key).startsWith(IdempotencyKeyExtractor.CONTENT_KEY_PREFIX);
        await(() -> inbox.find(key).map(InboxEntry::state).orElse(null) == InboxState.DONE);
        clock.advance(WebhookReceiver.DEFAULT_CONTENT_KEY_RETENTION.minusSeconds(1));
        assertThat(receiver.receive(signed(body)).outcome()).as("within the retention").isEqualTo(Outcome.DUPLICATE);
        clock.advance(Duration.ofSeconds(2));

        DeliveryResult again = receiver.receive(signed(body));

        assertThat(again.outcome()).as("after the retention").isEqualTo(Outcome.ACCEPTED);
        assertThat(again.status()).isEqualTo(200);
        await(() -> attempts.size() == 2);
        await(() -> inbox.find(key).map(InboxEntry::state).orElse(null) == InboxState.DONE);
        assertThat(attempts).containsExactly(Attempt.FIRST, Attempt.FIRST);
        assertThat(inbox.size()).isEqualTo(1);
    }

    @Test
    void pastOneWaitingHandoffPerWorkerDeliveriesAreStoredDueAndEachStillRunsOnce() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountingInbox counting = new CountingInbox(inbox, true);
        List<String> runs = new CopyOnWriteArrayList<>();
        receiver = blockingReceiver(counting, release, runs);
        int workers = occupyEveryWorker(runs);

        for (int i = workers; i < 3 * workers; i++) {
            assertThat(receiver.receive(signed(event(i))).outcome()).isEqualTo(Outcome.ACCEPTED);
        }
        assertThat(receiver.inbox().waitingHandoffs()).isEqualTo(workers);
        release.countDown();
        await(() -> inbox.stats().count(InboxState.DONE) == 3L * workers);

        assertThat(counting.offeredTaken).hasValue(2 * workers);
        assertThat(counting.offered).hasValue(workers);
        assertThat(runs).hasSize(3 * workers).doesNotHaveDuplicates();
    }

    @Test
    void aBacklogQueuesAtMostOneHandoffAndOneLookPerWorkerHoweverManyDeliveriesAreStoredDue() {
        int workers = InboxOptions.defaults().workers();
        // Workers that never start: everything stays queued or stored.
        receiver = WebhookReceiver.builder().signingKey("live", API_KEY).clock(clock).manualHeartbeats()
                .inbox(inbox, InboxOptions.defaults().withExecutor(task -> { }))
                .on(WorkflowErrored.class, (event, context) -> attempts.add(context.attempt()))
                .build();

        for (int i = 0; i < 50; i++) {
            assertThat(receiver.receive(signed(event(i))).outcome()).isEqualTo(Outcome.ACCEPTED);
        }

        assertThat(receiver.inbox().waitingHandoffs()).isEqualTo(workers);
        assertThat(receiver.inbox().queued()).isEqualTo(2 * workers);
        assertThat(inbox.stats().count(InboxState.PENDING)).isEqualTo(50L - workers);
        assertThat(inbox.stats().count(InboxState.PROCESSING)).isEqualTo(workers);
        receiver.close(Duration.ofMillis(50));
        receiver = null;
        assertThat(inbox.stats().count(InboxState.PENDING)).as("handoffs given back at close").isEqualTo(50L);
    }

    @Test
    void atShutdownHandoffsNoWorkerStartedAreGivenBackDueAtOnceAndRunningOnesAreLeftToTheirLease()
            throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<String> runs = new CopyOnWriteArrayList<>();
        receiver = blockingReceiver(inbox, release, runs);
        int workers = occupyEveryWorker(runs);
        for (int i = workers; i < 2 * workers; i++) {
            receiver.receive(signed(event(i)));
        }
        try {
            receiver.close(Duration.ofMillis(200));

            assertThat(inbox.stats().count(InboxState.PENDING)).as("given back, due at once").isEqualTo(workers);
            assertThat(inbox.stats().count(InboxState.PROCESSING)).as("still running").isEqualTo(workers);
            assertThat(inbox.take("next-instance", 10, Duration.ofSeconds(30))).hasSize(workers)
                    .allSatisfy(entry -> assertThat(entry.rerun()).as("never started").isFalse());
        } finally {
            release.countDown();
        }
        assertThat(runs).hasSize(workers);
    }

    @Test
    void aHandlerThatLeavesItsWorkerInterruptedDoesNotStopItRunningTheNextDeliveries() throws Exception {
        List<String> runs = new CopyOnWriteArrayList<>();
        receiver = WebhookReceiver.builder().signingKey("live", API_KEY).clock(clock).manualHeartbeats()
                .inbox(inbox, InboxOptions.defaults().withWorkers(1).withPollInterval(Duration.ofMillis(20)))
                .on(WorkflowErrored.class, (event, context) -> {
                    runs.add(event.instanceId());
                    if (runs.size() == 1) {
                        throw new InterruptedException("the handler was interrupted");
                    }
                })
                .build();

        receiver.receive(signed(event(0)));
        await(() -> runs.size() == 1 && inbox.stats().count(InboxState.PENDING) == 1);
        assertThat(receiver.receive(signed(event(1))).outcome()).isEqualTo(Outcome.ACCEPTED);
        clock.advance(Duration.ofMinutes(1)); // the first one's retry is due

        await(() -> inbox.stats().count(InboxState.DONE) == 2);
        assertThat(runs).hasSize(3);
    }

    @Test
    void aDeliveryHandedOverWhileTheReceiverClosesIsGivenBackDueNotLeftToItsLease() throws Exception {
        CountDownLatch storing = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        ForwardingInboxStore slow = new ForwardingInboxStore(inbox) {
            @Override
            public boolean offerTaken(InboxEntry entry, String owner, Duration lease) {
                storing.countDown();
                try {
                    closed.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return super.offerTaken(entry, owner, lease);
            }
        };
        receiver = WebhookReceiver.builder().signingKey("live", API_KEY).clock(clock).manualHeartbeats()
                .inbox(slow, InboxOptions.defaults().withPollInterval(Duration.ofMillis(20)))
                .on(WorkflowErrored.class, (event, context) -> attempts.add(context.attempt()))
                .build();
        CompletableFuture<DeliveryResult> answer = CompletableFuture.supplyAsync(() -> receiver.receive(
                signed(ERRORED)));
        assertThat(storing.await(20, TimeUnit.SECONDS)).isTrue();

        receiver.close(Duration.ofSeconds(5));
        closed.countDown();

        assertThat(answer.get(20, TimeUnit.SECONDS).outcome()).isEqualTo(Outcome.ACCEPTED);
        assertThat(state()).isEqualTo(InboxState.PENDING);
        assertThat(receiver.inbox().queued()).isZero();
        assertThat(receiver.heartbeats().inFlight()).isEmpty();
        assertThat(inbox.take("next-instance", 1, Duration.ofSeconds(30))).singleElement()
                .satisfies(entry -> assertThat(entry.rerun()).as("never started").isFalse());
        assertThat(attempts).isEmpty();
        receiver = null;
    }

    @Test
    void aHandoffThatWaitedPastItsLeaseWhileAnotherInstanceTookItIsNotRunHereToo() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<String> runs = new CopyOnWriteArrayList<>();
        receiver = WebhookReceiver.builder().signingKey("live", API_KEY).clock(clock).manualHeartbeats()
                .lease(WebhookReceiver.MIN_LEASE)
                .inbox(inbox, InboxOptions.defaults().withWorkers(1).withPollInterval(Duration.ofMillis(20)))
                .on(WorkflowErrored.class, (event, context) -> {
                    runs.add(event.instanceId());
                    release.await(30, TimeUnit.SECONDS);
                })
                .build();
        receiver.receive(signed(event(0)));
        await(() -> runs.size() == 1);
        receiver.receive(signed(event(1))); // handed over, waits behind the blocked run
        assertThat(receiver.inbox().waitingHandoffs()).isOne();

        clock.advance(Duration.ofSeconds(2)); // no heartbeat renewed it: its lease ran out
        List<InboxEntry> takenElsewhere = inbox.take("other-instance", 10, Duration.ofMinutes(5));
        Thread.sleep(400); // longer than a heartbeat's period (a third of the lease) of waiting
        release.countDown();

        await(() -> receiver.inbox().waitingHandoffs() == 0 && receiver.heartbeats().inFlight().isEmpty());
        assertThat(takenElsewhere).extracting(InboxEntry::key).contains("workflow-errored:-:656f308b9144bb8f183b1001");
        assertThat(runs).as("event 1 runs on the instance that took it, not here").hasSize(1);
    }

    // A handoff no worker started within a lease is given back; the lease starts at the insert. Counted from when the
    // request began, a delivery whose body or insert was slow (a pool waiting for a connection) was given back by the
    // first heartbeat, with a WARN that no worker was free within a lease, though its lease had nearly all of it left.
    @Test
    void aHandoffWhoseInsertWasSlowIsNotGivenBackBeforeALeaseHasPassedSinceTheInsert() throws Exception {
        Duration lease = Duration.ofSeconds(3);
        CountDownLatch release = new CountDownLatch(1);
        List<String> runs = new CopyOnWriteArrayList<>();
        InboxStore slowInserts = new ForwardingInboxStore(inbox) {
            @Override
            public boolean offerTaken(InboxEntry entry, String owner, Duration held) {
                if (!runs.isEmpty()) {
                    try {
                        Thread.sleep(lease.plusMillis(300).toMillis()); // waits for a connection, say
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return super.offerTaken(entry, owner, held);
            }
        };
        receiver = WebhookReceiver.builder().signingKey("live", API_KEY).clock(clock).manualHeartbeats().lease(lease)
                .inbox(slowInserts, InboxOptions.defaults().withWorkers(1).withPollInterval(Duration.ofMillis(20)))
                .on(WorkflowErrored.class, (event, context) -> {
                    runs.add(event.instanceId() + " " + context.attempt());
                    release.await(30, TimeUnit.SECONDS);
                })
                .build();
        receiver.receive(signed(event(0)));
        await(() -> runs.size() == 1);
        receiver.receive(signed(event(1))); // stored taken a lease after it arrived, waits behind the blocked run
        assertThat(receiver.inbox().waitingHandoffs()).isOne();

        receiver.heartbeats().renewAll();

        String key = "workflow-errored:-:656f308b9144bb8f183b1001";
        assertThat(inbox.find(key).orElseThrow().state()).as("still handed over").isEqualTo(InboxState.PROCESSING);
        release.countDown();
        await(() -> inbox.find(key).orElseThrow().state() == InboxState.DONE);
        assertThat(runs).containsExactly("656f308b9144bb8f183b1000 FIRST", "656f308b9144bb8f183b1001 FIRST");
    }

    // Sends one delivery per worker of the default options and waits until each runs (and blocks); returns how many.
    private int occupyEveryWorker(List<String> runs) throws InterruptedException {
        int workers = InboxOptions.defaults().workers();
        for (int i = 0; i < workers; i++) {
            receiver.receive(signed(event(i)));
        }
        await(() -> runs.size() == workers);
        return workers;
    }

    // A receiver whose handler records the run, then blocks until released.
    private WebhookReceiver blockingReceiver(InboxStore store, CountDownLatch release, List<String> runs) {
        return WebhookReceiver.builder().signingKey("live", API_KEY).clock(clock).manualHeartbeats()
                .inbox(store, InboxOptions.defaults().withPollInterval(Duration.ofMillis(20)))
                .on(WorkflowErrored.class, (event, context) -> {
                    runs.add(event.instanceId());
                    release.await(30, TimeUnit.SECONDS);
                })
                .build();
    }

    // Another Workflow Errored event: the sample with its instance id's last characters replaced by n.
    private static byte[] event(int n) {
        String id = "656f308b9144bb8f183b" + String.format("%04x", n + 0x1000);
        return new String(ERRORED, StandardCharsets.UTF_8).replace("656f308b9144bb8f183bfc7b", id)
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Counts how deliveries are stored: due, or taken and handed over; {@code storesTaken} decides which. */
    private static class CountingInbox extends ForwardingInboxStore {
        final AtomicInteger offered = new AtomicInteger();
        final AtomicInteger offeredTaken = new AtomicInteger();
        private final boolean storesTaken;

        CountingInbox(InboxStore delegate, boolean storesTaken) {
            super(delegate);
            this.storesTaken = storesTaken;
        }

        @Override
        public boolean offer(InboxEntry entry) {
            offered.incrementAndGet();
            return super.offer(entry);
        }

        @Override
        public boolean offerTaken(InboxEntry entry, String owner, Duration lease) {
            offeredTaken.incrementAndGet();
            return super.offerTaken(entry, owner, lease);
        }

        @Override
        public boolean storesTaken() {
            return storesTaken;
        }
    }

    @Test
    void closingAgainReturnsAtOnceAlthoughAWorkerStillRunsAHandlerThatOutlastedTheFirstClose() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        receiver = WebhookReceiver.builder().signingKey("live", API_KEY)
                .inbox(inbox, InboxOptions.defaults().withPollInterval(Duration.ofMillis(20)))
                .on(WorkflowErrored.class, (event, context) -> {
                    running.countDown();
                    release.await(30, TimeUnit.SECONDS);
                })
                .build();
        receiver.receive(signed(ERRORED));
        assertThat(running.await(20, TimeUnit.SECONDS)).isTrue();
        try {
            receiver.close(Duration.ofMillis(100));

            long start = System.nanoTime();
            receiver.close(Duration.ofSeconds(30));
            receiver.close();

            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
            assertThat(state()).isEqualTo(InboxState.PROCESSING);
        } finally {
            release.countDown();
        }
    }

    @Test
    void aCopyOfAStoredDeliveryIsADuplicateAndItsHandlersRunOnce() throws Exception {
        WebhookReceiver receiver = receiver(RetryPolicy.defaults());
        receiver.receive(signed(ERRORED));
        await(() -> state() == InboxState.DONE);

        assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.DUPLICATE);
        Thread.sleep(100);
        assertThat(attempts).hasSize(1);
    }

    @Test
    void aHandlerThatFailsTwiceIsTriedAgainAfterItsBackoffAndSucceedsOnTheThirdAttempt() throws Exception {
        failuresLeft.set(2);
        receiver(THREE_QUICK_ATTEMPTS).receive(signed(ERRORED));

        await(() -> inbox.find(KEY).orElseThrow().attempts() >= 1); // more if full jitter drew no wait
        assertThat(inbox.find(KEY).orElseThrow().lastError()).hasValueSatisfying(error -> assertThat(error)
                .startsWith("java.lang.IllegalStateException: downstream is down").doesNotContain(API_KEY));
        clock.advance(THREE_QUICK_ATTEMPTS.ceilingAfter(1));
        await(() -> inbox.find(KEY).orElseThrow().attempts() >= 2);
        clock.advance(THREE_QUICK_ATTEMPTS.ceilingAfter(2));
        await(() -> state() == InboxState.DONE);

        assertThat(attempts).hasSize(3);
    }

    @Test
    void aDeliveryThatFailsEveryAttemptIsADeadLetterThatIsListedAndRunsOnceMoreWhenReplayed() throws Exception {
        failuresLeft.set(3);
        receiver(THREE_QUICK_ATTEMPTS).receive(signed(ERRORED));
        for (int failed = 1; failed < 3; failed++) {
            int attempt = failed;
            // At least: full jitter draws no wait now and then, and the next attempt then runs at once.
            await(() -> inbox.find(KEY).orElseThrow().attempts() >= attempt);
            clock.advance(THREE_QUICK_ATTEMPTS.ceilingAfter(failed));
        }
        await(() -> state() == InboxState.DEAD);

        assertThat(inbox.list(InboxQuery.deadLetters())).extracting(InboxEntry::key).containsExactly(KEY);
        assertThat(attempts).hasSize(3);
        assertThat(inbox.replay(InboxQuery.deadLetters().withEventType("Workflow Errored"))).isEqualTo(1);
        await(() -> state() == InboxState.DONE);
        assertThat(attempts).hasSize(4);
        assertThat(inbox.list(InboxQuery.deadLetters())).isEmpty();
    }

    @Test
    void aReplayedDeadLetterRunsOnlyTheHandlersNotYetDoneAndTellsThemFirst() throws Exception {
        // Attempt.FIRST: no earlier attempt ran this handler to success. The mailer's did: it must not mail again.
        List<Attempt> mailer = new CopyOnWriteArrayList<>();
        failuresLeft.set(1);
        twoHandlers(new RetryPolicy(1, Duration.ofSeconds(1), Duration.ofSeconds(1)), mailer).receive(signed(ERRORED));
        await(() -> state() == InboxState.DEAD);
        assertThat(inbox.find(KEY).orElseThrow().doneHandlers()).as("the mailer's success").hasSize(1);

        assertThat(inbox.replay(InboxQuery.deadLetters().withKey(KEY))).isEqualTo(1);
        await(() -> state() == InboxState.DONE);
        Thread.sleep(100);

        assertThat(mailer).containsExactly(Attempt.FIRST);
        assertThat(attempts).containsExactly(Attempt.FIRST, Attempt.FIRST);
    }

    @Test
    void aReplayedDeadLetterWhoseEarlierWorkerStoppedWithoutARecordTellsTheHandlersNotYetDoneRerun()
            throws Exception {
        // The stopped worker may have run the failing handler in full before it stopped: the replay says so.
        inbox.offer(InboxEntry.received(KEY, java.util.Optional.of("Workflow Errored"), "live", java.util.Map.of(),
                ERRORED, clock.instant()));
        assertThat(inbox.take("a-crashed-worker", 1, WebhookReceiver.DEFAULT_LEASE)).hasSize(1);
        List<Attempt> mailer = new CopyOnWriteArrayList<>();
        failuresLeft.set(100); // until fixed
        twoHandlers(new RetryPolicy(2, Duration.ofSeconds(1), Duration.ofSeconds(1)), mailer);
        clock.advance(WebhookReceiver.DEFAULT_LEASE.plusSeconds(1));
        await(() -> failuresLeft.get() < 100 && state() != InboxState.PROCESSING);
        clock.advance(Duration.ofSeconds(1)); // the retry's due time, if the attempt was not the last
        await(() -> state() == InboxState.DEAD);

        failuresLeft.set(0);
        assertThat(inbox.replay(InboxQuery.deadLetters().withKey(KEY))).isEqualTo(1);
        await(() -> state() == InboxState.DONE);
        Thread.sleep(100);

        assertThat(mailer).containsExactly(Attempt.RERUN);
        assertThat(attempts).hasSizeGreaterThan(1).containsOnly(Attempt.RERUN);
    }

    // A mailer that always succeeds, recording its attempts in `mailer`, then the failing handler of the other tests.
    private WebhookReceiver twoHandlers(RetryPolicy retries, List<Attempt> mailer) {
        receiver = WebhookReceiver.builder().signingKey("live", API_KEY).clock(clock).manualHeartbeats()
                .pause(clock::advance)
                .inbox(inbox, InboxOptions.defaults().withRetries(retries).withPollInterval(Duration.ofMillis(20)))
                .on(WorkflowErrored.class, (event, context) -> mailer.add(context.attempt()))
                .on(WorkflowErrored.class, (event, context) -> {
                    attempts.add(context.attempt());
                    if (failuresLeft.getAndDecrement() > 0) {
                        throw new IllegalStateException("the CRM is down");
                    }
                })
                .build();
        return receiver;
    }

    @Test
    void anEntryWhoseWorkerStoppedWithoutARecordIsTakenAgainAsARerunOnceItsLeaseRunsOut() throws Exception {
        inbox.offer(InboxEntry.received(KEY, java.util.Optional.of("Workflow Errored"), "live", java.util.Map.of(),
                ERRORED, clock.instant()));
        assertThat(inbox.take("a-crashed-worker", 1, WebhookReceiver.DEFAULT_LEASE)).hasSize(1);
        receiver(RetryPolicy.defaults());

        Thread.sleep(100);
        assertThat(attempts).isEmpty();
        clock.advance(WebhookReceiver.DEFAULT_LEASE.plusSeconds(1));
        await(() -> state() == InboxState.DONE);
        assertThat(attempts).containsExactly(Attempt.RERUN);
        assertThat(inbox.find(KEY).orElseThrow().attempts()).as("the attempt lost with the worker").isEqualTo(1);
    }

    // A delivery whose handler takes its instance down (out of memory, a native crash, a liveness kill) would
    // otherwise be taken again after every lease, by every instance in turn, for ever.
    @ParameterizedTest(name = "stopped {0} times")
    @ValueSource(ints = {2, 3})
    void aDeliveryWhoseWorkersKeepStoppingRunsWhileItHasAttemptsLeftAndIsThenDeadWithoutRunningAgain(int stopped)
            throws Exception {
        inbox.offer(InboxEntry.received(KEY, java.util.Optional.of("Workflow Errored"), "live", java.util.Map.of(),
                ERRORED, clock.instant()));
        for (int worker = 1; worker <= stopped; worker++) {
            assertThat(inbox.take("a-killed-worker-" + worker, 1, WebhookReceiver.DEFAULT_LEASE)).hasSize(1);
            clock.advance(WebhookReceiver.DEFAULT_LEASE.plusSeconds(1));
        }
        receiver(THREE_QUICK_ATTEMPTS);

        if (stopped < THREE_QUICK_ATTEMPTS.maxAttempts()) {
            await(() -> state() == InboxState.DONE);
            assertThat(attempts).as("its last attempt").containsExactly(Attempt.RERUN);
            assertThat(inbox.find(KEY).orElseThrow().attempts()).isEqualTo(stopped);
            return;
        }
        await(() -> state() == InboxState.DEAD);
        Thread.sleep(100);
        InboxEntry dead = inbox.find(KEY).orElseThrow();
        assertThat(attempts).as("handlers run after the policy's attempts").isEmpty();
        assertThat(dead.attempts()).isEqualTo(THREE_QUICK_ATTEMPTS.maxAttempts());
        assertThat(dead.rerun()).isTrue();
        assertThat(dead.lastError()).hasValueSatisfying(error -> assertThat(error)
                .contains("3 attempts", "ended without an outcome").doesNotContain(API_KEY));
    }

    @Test
    void aRerunWhoseHandlerFailsIsStillARerunOnItsNextAttempt() throws Exception {
        // The crashed worker may have run the handler in full; the failed rerun does not change that.
        inbox.offer(InboxEntry.received(KEY, java.util.Optional.of("Workflow Errored"), "live", java.util.Map.of(),
                ERRORED, clock.instant()));
        assertThat(inbox.take("a-crashed-worker", 1, WebhookReceiver.DEFAULT_LEASE)).hasSize(1);
        failuresLeft.set(1);
        receiver(THREE_QUICK_ATTEMPTS);

        clock.advance(WebhookReceiver.DEFAULT_LEASE.plusSeconds(1));
        // The lost attempt and the failed one; more if full jitter drew no wait.
        await(() -> inbox.find(KEY).orElseThrow().attempts() >= 2);
        clock.advance(THREE_QUICK_ATTEMPTS.ceilingAfter(2));
        await(() -> state() == InboxState.DONE);

        assertThat(attempts).containsExactly(Attempt.RERUN, Attempt.RERUN);
    }

    @Test
    void anOutcomeTheStoreCannotRecordForLongerThanItsBriefRetriesIsRecordedOnceItAnswersAndNotRerun()
            throws Exception {
        // Five failures span 0.1 + 0.4 + 1.5 + 1.5 + 1.5 s of pauses, past the brief retries and inside the lease.
        AtomicInteger refusals = new AtomicInteger(5);
        receiver(new ForwardingInboxStore(inbox) {
            @Override
            public boolean done(String key, String owner, Duration retention) {
                if (refusals.getAndDecrement() > 0) {
                    throw new StoreUnavailableException("inbox is down");
                }
                return super.done(key, owner, retention);
            }
        }, RetryPolicy.defaults()).receive(signed(ERRORED));

        await(() -> state() == InboxState.DONE);
        Thread.sleep(100);

        assertThat(refusals.get()).isNegative();
        assertThat(attempts).containsExactly(Attempt.FIRST);
    }

    @Test
    void anOutcomeStillUnrecordedAtShutdownIsLeftToTheLease() throws Exception {
        // The pauses between tries leave the store's clock alone, so that the lease cannot run out meanwhile.
        receiver = WebhookReceiver.builder().signingKey("live", API_KEY).clock(clock).manualHeartbeats()
                .pause(duration -> Thread.sleep(1))
                .inbox(new ForwardingInboxStore(inbox) {
                    @Override
                    public boolean done(String key, String owner, Duration retention) {
                        throw new StoreUnavailableException("inbox is down");
                    }
                }, InboxOptions.defaults().withPollInterval(Duration.ofMillis(20)))
                .on(WorkflowErrored.class, (event, context) -> attempts.add(context.attempt()))
                .build();
        receiver.receive(signed(ERRORED));
        await(() -> !attempts.isEmpty());

        receiver.close(Duration.ofSeconds(5));

        assertThat(state()).isEqualTo(InboxState.PROCESSING);
        assertThat(attempts).containsExactly(Attempt.FIRST);
    }

    @Test
    void aBodyThatIsForgedOrNotJsonIsRefusedAsUsualAndNothingIsStored() {
        WebhookReceiver receiver = receiver(RetryPolicy.defaults());
        byte[] notJson = "not json".getBytes(StandardCharsets.UTF_8);

        assertThat(receiver.receive(DeliveryRequest.of("POST", Headers.of("x-cobalt-signature",
                WebhookSigner.of("forger").sign(ERRORED)), ERRORED)).status()).isEqualTo(401);
        assertThat(receiver.receive(signed(notJson)).status()).isEqualTo(400);
        assertThat(inbox.size()).isZero();
    }

    @Test
    void inboxModeCannotBeCombinedWithAcknowledgeFastOrAnIdempotencyStore() {
        assertThatThrownBy(() -> WebhookReceiver.builder().signingKey("live", API_KEY).inbox(inbox)
                .acknowledgeFast(Runnable::run).onAny((event, context) -> { }).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("acknowledgeFast");
        assertThatThrownBy(() -> WebhookReceiver.builder().signingKey("live", API_KEY).inbox(inbox)
                .idempotencyStore(InMemoryIdempotencyStore.create()).onAny((event, context) -> { }).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("idempotencyStore");
    }

    @Test
    void aStoreThatFailsWhileStoringIsAnswered503() {
        receiver = WebhookReceiver.builder().signingKey("live", API_KEY).inbox(new InMemoryInboxStoreDown())
                .on(WorkflowErrored.class, (event, context) -> attempts.add(context.attempt())).build();

        DeliveryResult result = receiver.receive(signed(ERRORED));

        assertThat(result.outcome()).isEqualTo(Outcome.STORE_UNAVAILABLE);
        assertThat(result.status()).isEqualTo(503);
        assertThat(attempts).isEmpty();
    }

    /** An inbox whose database is down: nothing can be stored or taken. */
    private static final class InMemoryInboxStoreDown extends ForwardingInboxStore {
        InMemoryInboxStoreDown() {
            super(InMemoryInboxStore.create());
        }

        @Override
        public boolean offer(InboxEntry entry) {
            throw new StoreUnavailableException("inbox is down");
        }

        @Override
        public boolean offerTaken(InboxEntry entry, String owner, Duration lease) {
            throw new StoreUnavailableException("inbox is down");
        }

        @Override
        public List<InboxEntry> take(String owner, int max, Duration lease) {
            throw new StoreUnavailableException("inbox is down");
        }
    }

    // A database keeps a receive time to the microsecond, rounding the rest (PostgreSQL and H2 both): taken with its
    // nanoseconds, the time a handler read on the first attempt (handed over as received) was not the time it read
    // on the retries (read back from the table), and an in-memory inbox ordered by a finer time than a database.
    @Test
    void aHandlerReadsTheSameReceiveTimeOnEveryAttemptToTheMicrosecondWhateverTheStore() throws Exception {
        org.h2.jdbcx.JdbcDataSource h2 = new org.h2.jdbcx.JdbcDataSource();
        h2.setURL("jdbc:h2:mem:received-inbox;DB_CLOSE_DELAY=-1");
        MutableClock fine = MutableClock.at("2026-11-30T10:00:00.123456789Z");
        List<java.time.Instant> seen = new CopyOnWriteArrayList<>();
        failuresLeft.set(1);
        receiver = WebhookReceiver.builder().signingKey("live", API_KEY).clock(fine)
                .inbox(JdbcInboxStore.builder().dataSource(h2).createTableIfMissing(true).build(),
                        InboxOptions.defaults().withRetries(new RetryPolicy(3, Duration.ofMillis(1),
                                Duration.ofMillis(1))).withPollInterval(Duration.ofMillis(20)))
                .on(WorkflowErrored.class, (event, context) -> {
                    seen.add(context.receivedAt());
                    if (failuresLeft.getAndDecrement() > 0) {
                        throw new IllegalStateException("downstream is down");
                    }
                })
                .build();

        assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.ACCEPTED);
        await(() -> seen.size() == 2);

        assertThat(seen).containsExactly(java.time.Instant.parse("2026-11-30T10:00:00.123456Z"),
                java.time.Instant.parse("2026-11-30T10:00:00.123456Z"));
    }

    // The inbox table keeps the label of the key that verified each delivery in a column of 200 characters, in which
    // PostgreSQL refuses a NUL: a longer label, or one with a control character, would have every delivery it
    // verifies answered 503 for good (the insert fails), while the same receiver without the inbox answers 200.
    @Test
    void aKeyLabelTheInboxTableCouldNotStoreIsRefusedWhenTheKeyIsAddedNotWithA503ForEveryDelivery() throws Exception {
        org.h2.jdbcx.JdbcDataSource h2 = new org.h2.jdbcx.JdbcDataSource();
        h2.setURL("jdbc:h2:mem:label-inbox;DB_CLOSE_DELAY=-1");
        String longest = "l".repeat(200);
        receiver = WebhookReceiver.builder().signingKey(longest, API_KEY)
                .inbox(JdbcInboxStore.builder().dataSource(h2).createTableIfMissing(true).build())
                .on(WorkflowErrored.class, (event, context) -> attempts.add(context.attempt())).build();

        assertThat(receiver.receive(signed(ERRORED)).status()).isEqualTo(200);
        await(() -> attempts.size() == 1);
        assertThatThrownBy(() -> WebhookReceiver.builder().signingKey(longest + "l", API_KEY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("key label must be at most 200 characters but had 201");
        for (String label : List.of("live\u0000", "live\n", "\tlive")) {
            assertThatThrownBy(() -> WebhookReceiver.builder().signingKey(label, API_KEY))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("key label must not hold a control character");
        }
    }

    @Test
    void theReadmeInboxSnippetStoresADeliveryInTheDatabaseAndAWorkerRunsIt() throws Exception {
        org.h2.jdbcx.JdbcDataSource h2 = new org.h2.jdbcx.JdbcDataSource();
        h2.setURL("jdbc:h2:mem:readme-inbox;DB_CLOSE_DELAY=-1");
        javax.sql.DataSource dataSource = h2;
        String apiKey = API_KEY;
        List<String> alerts = new CopyOnWriteArrayList<>();

        // README:begin
        JdbcInboxStore inbox = JdbcInboxStore.builder()
                .dataSource(dataSource)            // your pooled DataSource
                .createTableIfMissing(true)        // or run inbox-schema-postgresql.sql in a migration
                .build();

        WebhookReceiver receiver = WebhookReceiver.builder()
                .signingKey("live", apiKey)
                .inbox(inbox, InboxOptions.defaults()
                        .withWorkers(4)
                        .withRetries(new RetryPolicy(20, Duration.ofSeconds(30), Duration.ofHours(12))))
                .on(WorkflowErrored.class, (event, context) -> alerts.add(event.instanceId()))
                .build();                          // starts the workers; receiver.close() stops them
        // README:end
        this.receiver = receiver;

        assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.ACCEPTED);
        await(() -> inbox.find(KEY).map(InboxEntry::state).orElse(null) == InboxState.DONE);
        assertThat(alerts).containsExactly("656f308b9144bb8f183bfc7b");
        assertThat(inbox.toString()).isEqualTo("JdbcInboxStore[table=refold_webhook_inbox, dialect=H2]");
    }
}
