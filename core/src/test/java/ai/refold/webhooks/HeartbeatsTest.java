package ai.refold.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.Samples;
import ai.refold.webhooks.idempotency.InMemoryIdempotencyStore;
import ai.refold.webhooks.signature.WebhookSigner;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The heartbeats' schedule, swept by hand: no claim in flight goes longer than one sweep period (a third of the
 * lease) without a renewal, its first included, so that a stalled heartbeat thread has two thirds of the lease
 * before a copy can take a running claim over.
 */
class HeartbeatsTest {

    private static final String API_KEY = "test-api-key-0123456789";
    private static final byte[] BODY = Samples.of(EventType.WORKFLOW_ERRORED);

    private final FaultyStore store = new FaultyStore(InMemoryIdempotencyStore.builder().build());
    private final List<Runnable> queued = new ArrayList<>();
    private final WebhookReceiver receiver = WebhookReceiver.builder().signingKey("test", API_KEY)
            .idempotencyStore(store).manualHeartbeats().acknowledgeFast(queued::add).onAny((event, context) -> { })
            .build();

    @Test
    void theFirstSweepAfterAClaimRenewsItHoweverYoungItIs() {
        assertThat(receiver.receive(signed()).outcome()).isEqualTo(Outcome.ACCEPTED); // claimed, queued, in flight

        receiver.heartbeats().sweep();

        assertThat(store.calls(FaultyStore.Operation.RENEW)).isEqualTo(1);
    }

    @Test
    void aClaimIsRenewedAtEverySweepUntilItsDeliveryEnds() {
        receiver.receive(signed());

        receiver.heartbeats().sweep();
        receiver.heartbeats().sweep();
        queued.forEach(Runnable::run);
        receiver.heartbeats().sweep();

        assertThat(store.calls(FaultyStore.Operation.RENEW)).isEqualTo(2);
    }

    @Test
    void aSlotFreedAndTakenAgainIsNotFreedByAStaleLookOfItsFormerHolder() {
        Heartbeats heartbeats = new Heartbeats(Duration.ofSeconds(30), null, false);
        Leased first = new Work(7);
        Leased second = new Work(7);
        int slot = heartbeats.register(first);
        heartbeats.unregister(first, slot);
        assertThat(heartbeats.register(second)).isEqualTo(slot);

        // A heartbeat that read the first one's slot before its constructor stored it, and a later look for it.
        heartbeats.unregisterFound(first, 0);
        heartbeats.unregisterFound(first, slot);
        assertThat(heartbeats.inFlight()).singleElement().isSameAs(second);

        heartbeats.unregisterFound(second, slot == 0 ? 1 : 0);
        assertThat(heartbeats.inFlight()).isEmpty();
    }

    // One renewal the store does not answer (a locked row, a stalled connection) must not hold back the others: on one
    // thread, every claim swept after it went unrenewed until it returned, and its lease lapsed while its handlers ran.
    @Test
    void aRenewalThatHangsDelaysOnlyItselfAndIsNotPiledUpWhileItHangs() throws InterruptedException {
        Heartbeats heartbeats = new Heartbeats(Duration.ofMillis(300), null, true); // a sweep every 100 ms
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger stuckCalls = new AtomicInteger();
        AtomicInteger healthyCalls = new AtomicInteger();
        Leased stuck = new Work(1) {
            @Override
            public void renew() {
                stuckCalls.incrementAndGet();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        Leased healthy = new Work(2) {
            @Override
            public void renew() {
                healthyCalls.incrementAndGet();
            }
        };
        try {
            heartbeats.register(stuck);
            heartbeats.register(healthy);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (healthyCalls.get() < 5 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }

            assertThat(healthyCalls.get()).as("renewals of the healthy claim").isGreaterThanOrEqualTo(5);
            assertThat(stuckCalls.get()).as("the hanging renewal, not called again while it hangs").isEqualTo(1);
        } finally {
            release.countDown();
            heartbeats.close();
        }
    }

    // An Error on the sweep's thread (out of memory, "unable to create native thread" when the renewal pool starts a
    // thread) would cancel the fixed-rate schedule for good: no lease renewed again for the receiver's lifetime.
    @Test
    void anErrorDuringOneSweepDoesNotEndTheSweepsThatFollow() throws InterruptedException {
        Heartbeats heartbeats = new Heartbeats(Duration.ofMillis(300), new DeliveryLog(java.util.List.of()), true);
        AtomicInteger errorsLeft = new AtomicInteger(1);
        AtomicInteger healthyCalls = new AtomicInteger();
        Leased failing = new Work(1) {
            @Override
            public int hashCode() { // the sweep hashes each claim it hands to the renewal threads
                if (errorsLeft.getAndDecrement() > 0) {
                    throw new OutOfMemoryError("unable to create native thread (thrown by the test)");
                }
                return super.hashCode();
            }
        };
        Leased healthy = new Work(2) {
            @Override
            public void renew() {
                healthyCalls.incrementAndGet();
            }
        };
        try {
            heartbeats.register(failing);
            heartbeats.register(healthy);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (healthyCalls.get() < 5 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }

            assertThat(errorsLeft.get()).as("the sweep met the Error").isLessThanOrEqualTo(0);
            assertThat(healthyCalls.get()).as("renewals after the Error").isGreaterThanOrEqualTo(5);
        } finally {
            heartbeats.close();
        }
    }

    // The renewal pool starts its threads on demand: one that cannot start (OutOfMemoryError "unable to create native
    // thread") makes the hand-over throw after the claim was marked as being renewed. Left marked, it would never be
    // handed over again, and its lease would lapse while its handlers run.
    @Test
    void aClaimWhoseRenewalCouldNotBeHandedOverIsHandedOverAgainAtTheNextSweep() throws InterruptedException {
        AtomicInteger failedStarts = new AtomicInteger();
        java.util.concurrent.ThreadFactory threads = task -> {
            Thread thread = new Thread(task, "refold-webhook-renewal-test") {
                @Override
                public synchronized void start() {
                    if (failedStarts.getAndIncrement() == 0) {
                        throw new OutOfMemoryError("unable to create native thread (thrown by the test)");
                    }
                    super.start();
                }
            };
            thread.setDaemon(true);
            return thread;
        };
        Heartbeats heartbeats = new Heartbeats(Duration.ofMillis(300), new DeliveryLog(java.util.List.of()), true,
                threads);
        AtomicInteger renewals = new AtomicInteger();
        Leased claim = new Work(1) {
            @Override
            public void renew() {
                renewals.incrementAndGet();
            }
        };
        try {
            heartbeats.register(claim);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (renewals.get() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }

            assertThat(failedStarts.get()).as("a renewal thread failed to start").isGreaterThanOrEqualTo(1);
            assertThat(renewals.get()).as("renewals after the failed hand-over").isGreaterThanOrEqualTo(3);
        } finally {
            heartbeats.close();
        }
    }

    // A renewal is a store call, a JDBC statement for the JDBC stores: interrupted mid-call, it can cost the pool its
    // connection (or an embedded database its file). Close stops the sweeps and lets the renewal under way end.
    @Test
    void closeLetsARenewalUnderWayEndUninterruptedBeforeItReturns() throws Exception {
        Heartbeats heartbeats = new Heartbeats(Duration.ofMillis(30), null, true); // a sweep every 10 ms
        BlockingRenewal claim = new BlockingRenewal();
        List<String> events = new CopyOnWriteArrayList<>();
        claim.ended = events::add;
        heartbeats.register(claim);
        assertThat(claim.started.await(10, TimeUnit.SECONDS)).isTrue();

        Thread closer = new Thread(() -> {
            heartbeats.close(Duration.ofSeconds(20));
            events.add("closed");
        });
        closer.start();
        // Released once close returned (it did not wait) or waits for it: released earlier, the renewal could end
        // before close began, and an interrupt would find nothing to cut off.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (closer.isAlive() && closer.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline) {
            closer.join(5);
        }
        claim.release.countDown();
        closer.join(TimeUnit.SECONDS.toMillis(20));

        assertThat(closer.isAlive()).isFalse();
        assertThat(events).doesNotContain("interrupted").endsWith("renewed", "closed");
    }

    @Test
    void closeWaitsForARenewalUnderWayOnlyAsLongAsItIsToldAndStillDoesNotInterruptIt() throws Exception {
        Heartbeats heartbeats = new Heartbeats(Duration.ofMillis(30), null, true);
        BlockingRenewal claim = new BlockingRenewal();
        List<String> events = new CopyOnWriteArrayList<>();
        CountDownLatch ended = new CountDownLatch(1);
        claim.ended = event -> {
            events.add(event);
            ended.countDown();
        };
        heartbeats.register(claim);
        assertThat(claim.started.await(10, TimeUnit.SECONDS)).isTrue();

        long start = System.nanoTime();
        heartbeats.close(Duration.ofMillis(100));
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        boolean endedBeforeClose = ended.getCount() == 0;
        claim.release.countDown();

        assertThat(tookMillis).isBetween(100L, 5_000L);
        assertThat(endedBeforeClose).as("the renewal ended while close waited").isFalse();
        assertThat(ended.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(events).containsExactly("renewed");
    }

    // Renews once by blocking until released; an interrupt ends it as "interrupted".
    private static final class BlockingRenewal extends Work {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        volatile Consumer<String> ended;

        BlockingRenewal() {
            super(1);
        }

        @Override
        public void renew() {
            started.countDown();
            try {
                ended.accept(release.await(20, TimeUnit.SECONDS) ? "renewed" : "timed out");
            } catch (InterruptedException e) {
                ended.accept("interrupted");
            }
        }
    }

    // Compared by identity, as the heartbeats compare what they hold.
    private static class Work implements Leased {
        private final long startNanos;

        Work(long startNanos) {
            this.startNanos = startNanos;
        }

        @Override
        public long startNanos() {
            return startNanos;
        }

        @Override
        public void renew() {
        }

        @Override
        public boolean isEnded() {
            return false;
        }
    }

    private static DeliveryRequest signed() {
        return DeliveryRequest.of("POST", Headers.of("x-cobalt-signature", WebhookSigner.of(API_KEY).sign(BODY)),
                BODY);
    }
}
