package ai.refold.webhooks;

import ai.refold.webhooks.event.WorkflowCompleted;
import ai.refold.webhooks.idempotency.InstanceConnections;
import ai.refold.webhooks.idempotency.SharedPostgres;
import ai.refold.webhooks.test.hardening.DeliveryPlan;
import ai.refold.webhooks.test.hardening.DeliverySoak;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The soak of issue 15: two receiver instances, A and B, each with its own store and connections on one PostgreSQL
 * database, under {@link DeliveryPlan}'s pattern (30% of events sent two or three times, some copies at the same
 * moment; 5% failing on their first attempt) plus 2% of handlers three times slower than a short lease (3 s), so
 * that heartbeats matter, and Refold's retries of any answer but 200 after 1 s, 2 s and 4 s, taking turns over
 * the instances. Half-way through, A is killed in process ({@link KillableInstance}) while it runs a handler, and A',
 * a new instance on fresh connections, takes its place.
 *
 * <p>It asserts that no event is lost and that none ran twice (nor ever saw a rerun, nor overlapped itself) except
 * those whose run was in the crash window: the deliveries A held when it died, whose completion it may not have
 * recorded. A dies at a moment when every delivery it holds has two retries left, since an event whose last
 * retries die with an instance (or fail) is lost by any receiver, Refold retrying no more: the soak measures the
 * receiver, not Refold's limit.
 *
 * <p>{@code refold.soak.events} sets the size (2,000 by default; 20,000 for the full run), {@code refold.soak.threads}
 * the senders (32), {@code refold.soak.seed} the draw.
 */
class PostgresCrashSoakTest {

    // Short, so that heartbeats matter, yet several times the longest pause between renewals seen on a loaded
    // 2-core machine (about 0.9 s, against 0.5 s leases, which once let a claim lapse mid-handler).
    private static final Duration LEASE = Duration.ofSeconds(3);
    // Three leases: a copy that found the claim taken arrives again after Refold's second and third backoffs (3 s and
    // 7 s in), while the handler still runs and after its first lease ran out, so only the heartbeats keep it out.
    private static final Duration SLOW = LEASE.multipliedBy(3);
    private static final int SLOW_PERCENT = 2;
    private static final List<Duration> BACKOFF = List.of(Duration.ofSeconds(1), Duration.ofSeconds(2),
            Duration.ofSeconds(4));
    // Generous against a loaded machine: no single delivery takes a tenth of it.
    private static final Duration PATIENCE = Duration.ofMinutes(1);

    private final Map<Outcome, AtomicLong> answers = new EnumMap<>(Outcome.class);
    private final AtomicLong deliveries = new AtomicLong();
    private final AtomicLong unanswered = new AtomicLong();
    private final AtomicLong gaveUp = new AtomicLong();
    private final AtomicLong failuresThrown = new AtomicLong();
    private final AtomicLong longestRenewalGap = new AtomicLong();
    private final Set<Integer> reruns = ConcurrentHashMap.newKeySet();
    private final Set<Integer> overlapped = ConcurrentHashMap.newKeySet();
    private volatile boolean sendersDone;

    @Test
    void noEventIsLostAndNoneRunsTwiceSaveThoseInTheCrashWindowOfAnInstanceKilledAndRestartedMidRun()
            throws Exception {
        int events = Integer.getInteger("refold.soak.events", 2_000);
        int threads = Integer.getInteger("refold.soak.threads", 32);
        DeliveryPlan plan = DeliveryPlan.draw(events, new Random(Long.getLong("refold.soak.seed", 20_261_130L)),
                SLOW_PERCENT);
        AtomicIntegerArray attempts = new AtomicIntegerArray(events);
        AtomicIntegerArray running = new AtomicIntegerArray(events);
        AtomicIntegerArray completions = new AtomicIntegerArray(events);
        for (Outcome outcome : Outcome.values()) {
            answers.put(outcome, new AtomicLong());
        }
        // The instances share the handler's counters, as they would share the application's downstream effects.
        KillableInstance.Handler handler = (self, event, context) -> {
            int i = DeliveryPlan.eventOf(event);
            if (running.incrementAndGet(i) > 1) {
                overlapped.add(i);
            }
            try {
                if (context.isRerun()) {
                    reruns.add(i);
                }
                if (attempts.incrementAndGet(i) == 1 && plan.failsFirst(i)) {
                    failuresThrown.incrementAndGet();
                    throw new IllegalStateException("first attempt of event " + i + " fails");
                }
                if (plan.slow(i)) {
                    self.pause(SLOW);
                }
                self.haltIfKilled(); // a killed instance does not get to its effect
                completions.incrementAndGet(i);
            } finally {
                running.decrementAndGet(i); // not reached by a halted run, which then stays "running"
            }
        };

        List<KillableInstance> started = new ArrayList<>();
        Set<Integer> crashWindow;
        try (SharedPostgres database = SharedPostgres.withFreshTable()) {
            AtomicReferenceArray<KillableInstance> slots = new AtomicReferenceArray<>(2);
            for (String name : List.of("A", "B")) {
                KillableInstance instance = instance(name, database, threads, handler);
                started.add(instance);
                slots.set(started.size() - 1, instance);
            }
            KillableInstance restarted = instance("A'", database, threads, handler);
            started.add(restarted);

            ExecutorService senders = Executors.newFixedThreadPool(threads);
            try {
                CompletableFuture<Set<Integer>> kill = CompletableFuture.supplyAsync(
                        () -> killMidRun(slots, restarted, events),
                        task -> KillableInstance.daemon(task, "killer").start());
                List<Future<Void>> sent = senders.invokeAll(plan.senders((event, copy) ->
                        send(slots, event, copy, plan)), 10 * PATIENCE.toMinutes(), TimeUnit.MINUTES);
                for (Future<Void> sender : sent) {
                    assertThat(sender.isCancelled()).as("a sender stopped by the time bound").isFalse();
                    sender.get();
                }
                crashWindow = kill.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            } finally {
                sendersDone = true;
                senders.shutdownNow();
                for (KillableInstance instance : started) {
                    instance.shutDown();
                }
            }
        }

        int lost = 0;
        int twiceInWindow = 0;
        int twiceOutside = 0;
        int moreThanTwice = 0;
        for (int i = 0; i < events; i++) {
            lost += completions.get(i) == 0 ? 1 : 0;
            moreThanTwice += completions.get(i) > 2 ? 1 : 0;
            if (completions.get(i) == 2) {
                if (crashWindow.contains(i)) {
                    twiceInWindow++;
                } else {
                    twiceOutside++;
                }
            }
        }
        long rerunsInWindow = reruns.stream().filter(crashWindow::contains).count();
        System.out.printf("crash soak: two instances on one PostgreSQL database, A killed mid-run and A' in its place%n"
                        + "  events=%d copies sent=%d deliveries=%d processed by A=%d, B=%d, A'=%d%n"
                        + "  duplicates absorbed=%d (duplicate=%d, in progress=%d) failures retried=%d"
                        + " copies given up after %d retries=%d%n"
                        + "  slow handlers=%d (%d ms against a %d ms lease; longest gap between renewals %d ms)%n"
                        + "  crash window: A died holding %d deliveries of %d events; reruns there=%d,"
                        + " handled twice there=%d%n"
                        + "  events lost=%d, handled twice outside the crash window=%d%n",
                events, events + plan.duplicates(), deliveries.get(), started.get(0).processed(),
                started.get(1).processed(), started.get(2).processed(),
                answers.get(Outcome.DUPLICATE).get() + answers.get(Outcome.IN_PROGRESS).get(),
                answers.get(Outcome.DUPLICATE).get(), answers.get(Outcome.IN_PROGRESS).get(),
                answers.get(Outcome.HANDLER_FAILED).get(), DeliverySoak.RETRIES, gaveUp.get(), plan.slowEvents(),
                SLOW.toMillis(), LEASE.toMillis(), TimeUnit.NANOSECONDS.toMillis(longestRenewalGap.get()),
                unanswered.get(), crashWindow.size(), rerunsInWindow, twiceInWindow, lost, twiceOutside);

        assertThat(lost).as("events lost").isZero();
        assertThat(twiceOutside).as("events handled twice outside the crash window").isZero();
        assertThat(moreThanTwice).as("events handled more than twice").isZero();
        assertThat(reruns).as("events rerun").isSubsetOf(crashWindow);
        assertThat(overlapped).as("events whose runs overlapped").isSubsetOf(crashWindow);
        assertThat(crashWindow).as("the events of the deliveries A held when it died").isNotEmpty();
        assertThat(failuresThrown.get()).as("first attempts failed in the handler").isEqualTo(plan.failing());
        assertThat(answers.get(Outcome.DUPLICATE).get()).as("duplicates absorbed").isPositive();
        assertThat(answers.keySet().stream().filter(outcome -> answers.get(outcome).get() > 0))
                .isSubsetOf(Outcome.PROCESSED, Outcome.DUPLICATE, Outcome.IN_PROGRESS, Outcome.HANDLER_FAILED);
        for (KillableInstance instance : started) {
            assertThat(instance.processed()).as("events processed by %s", instance.name()).isPositive();
        }
    }

    private KillableInstance instance(String name, SharedPostgres database, int threads,
                                      KillableInstance.Handler handler) {
        InstanceConnections connections = database.connect();
        return new KillableInstance(name, connections, new RenewalGaps(connections.store(), longestRenewalGap),
                LEASE, threads, PATIENCE, handler);
    }

    // One copy as Refold sends it: a first attempt, then up to RETRIES more after its backoff while the answer is
    // not 200 (none at all counts as not 200). Attempts take turns over the two places, as a load balancer would.
    private void send(AtomicReferenceArray<KillableInstance> slots, int event, int copy, DeliveryPlan plan)
            throws Exception {
        DeliveryRequest request = plan.delivery(event);
        for (int attempt = 0; attempt <= DeliverySoak.RETRIES; attempt++) {
            if (attempt > 0) {
                TimeUnit.NANOSECONDS.sleep(BACKOFF.get(attempt - 1).toNanos());
            }
            int slot = (event + copy + attempt) % 2;
            KillableInstance.Reply reply = slots.get(slot).deliver(event, attempt, request);
            if (reply.refused()) {
                // The instance died just before; its replacement took the place under the same lock.
                reply = slots.get(slot).deliver(event, attempt, request);
            }
            deliveries.incrementAndGet();
            if (reply.answer() == null) {
                unanswered.incrementAndGet();
                continue;
            }
            answers.get(reply.answer().outcome()).incrementAndGet();
            if (reply.answer().isAcknowledged()) {
                return;
            }
        }
        gaveUp.incrementAndGet();
    }

    // Waits until half the events were processed, then kills A at a moment it is running a handler (slow ones
    // give it plenty) and every delivery it holds has two retries left; A' takes its place at that moment.
    private Set<Integer> killMidRun(AtomicReferenceArray<KillableInstance> slots, KillableInstance restarted,
                                    int events) {
        KillableInstance victim = slots.get(0);
        try {
            while (answers.get(Outcome.PROCESSED).get() < events / 2) {
                if (sendersDone) {
                    return Set.of(); // the run ended (failed) before half-way: the assertions say A was not killed
                }
                TimeUnit.MILLISECONDS.sleep(5);
            }
            long midRun = System.nanoTime();
            long deadline = midRun + PATIENCE.toNanos();
            while (true) {
                // If no handler happens to be running for a while, any moment with deliveries in flight will do.
                boolean anyMoment = System.nanoTime() - midRun > LEASE.multipliedBy(4).toNanos();
                Set<Integer> window = victim.killIf(DeliverySoak.RETRIES - 2, anyMoment, () -> slots.set(0, restarted));
                if (window != null) {
                    return window;
                }
                assertThat(System.nanoTime() - deadline).as("A killed in time").isNegative();
                TimeUnit.MILLISECONDS.sleep(1);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted before the kill", e);
        }
    }
}
