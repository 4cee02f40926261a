package ai.refold.webhooks.test.hardening;

import ai.refold.webhooks.DeliveryRequest;
import ai.refold.webhooks.DeliveryResult;
import ai.refold.webhooks.EventHandler;
import ai.refold.webhooks.Outcome;
import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.WorkflowCompleted;
import ai.refold.webhooks.idempotency.IdempotencyStore;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A bounded soak of a receiver under Refold's delivery pattern, as a {@link DeliveryPlan} draws it: every event is
 * sent, a share of them two or three times (some copies at the same moment), a share fails in the handler on its
 * first attempt, and each copy is retried on any answer but 200, up to three times, as Refold does. It asserts that every event's handler completed exactly
 * once. Subclasses supply the store, or one store per receiver instance when several instances of an application
 * share a database: attempts then take turns over the instances, so the copies and retries of one event land on
 * different instances, some at the same moment. The size comes from system properties:
 * {@code refold.soak.events} ({@link #defaultEvents()} by default), {@code refold.soak.threads} (8) and
 * {@code refold.soak.seed}. The run stops by itself; a run that has not finished after
 * {@code refold.soak.timeout.minutes} (10) fails.
 */
public abstract class DeliverySoak {

    /** Refold's retries after a first attempt that is not answered 200. */
    public static final int RETRIES = 3;

    /** Creates the soak; JUnit creates one instance of the subclass per test. */
    public DeliverySoak() {
    }

    /**
     * {@return a fresh, empty store for one soak run}
     *
     * @param events how many distinct events the run sends, for a store that sizes itself
     */
    protected abstract IdempotencyStore createStore(int events);

    /**
     * {@return the stores of the receiver instances the deliveries are spread over, one instance per store: by
     * default a single instance around {@link #createStore(int)}}
     *
     * @param events how many distinct events the run sends, for stores that size themselves
     */
    protected List<IdempotencyStore> createStores(int events) {
        return List.of(createStore(events));
    }

    /** {@return the number of events when {@code refold.soak.events} is not set} */
    protected int defaultEvents() {
        return 5_000;
    }

    /** {@return a name for the printed figures} */
    protected String storeName() {
        return getClass().getSimpleName();
    }

    @Test
    void everyEventIsHandledExactlyOnceThroughDuplicatesConcurrentCopiesAndRetries() throws Exception {
        int events = Integer.getInteger("refold.soak.events", defaultEvents());
        int threads = Integer.getInteger("refold.soak.threads", 8);
        DeliveryPlan plan = DeliveryPlan.draw(events, new Random(Long.getLong("refold.soak.seed", 20_261_101L)), 0);
        AtomicIntegerArray completions = new AtomicIntegerArray(events);
        AtomicIntegerArray attempts = new AtomicIntegerArray(events);
        // The instances share the handler's counters, as they would share the application's downstream effects.
        EventHandler<WorkflowCompleted> handler = (event, context) -> {
            int i = DeliveryPlan.eventOf(event);
            if (attempts.incrementAndGet(i) == 1 && plan.failsFirst(i)) {
                throw new IllegalStateException("first attempt of event " + i + " fails");
            }
            completions.incrementAndGet(i);
        };
        List<WebhookReceiver> receivers = new ArrayList<>();
        for (IdempotencyStore store : createStores(events)) {
            receivers.add(WebhookReceiver.builder()
                    .signingKey("live", DeliveryPlan.API_KEY)
                    .idempotencyStore(store)
                    .on(WorkflowCompleted.class, handler)
                    .build());
        }
        AtomicLongArray processedBy = new AtomicLongArray(receivers.size());
        Map<Outcome, AtomicLong> answers = new EnumMap<>(Outcome.class);
        for (Outcome outcome : Outcome.values()) {
            answers.put(outcome, new AtomicLong());
        }
        AtomicLong gaveUp = new AtomicLong();

        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Callable<Void>> senders = plan.senders((event, copy) ->
                    send(receivers, event + copy, plan.delivery(event), answers, processedBy, gaveUp));
            assertThat(threads).as("threads, so that copies sent together cannot stall the pool")
                    .isGreaterThanOrEqualTo(3);
            long timeout = Long.getLong("refold.soak.timeout.minutes", 10);
            for (Future<Void> sender : pool.invokeAll(senders, timeout, TimeUnit.MINUTES)) {
                assertThat(sender.isCancelled()).as("a sender stopped by the %d-minute bound", timeout).isFalse();
                sender.get();
            }
        } finally {
            pool.shutdownNow();
        }

        int lost = 0;
        int handledTwice = 0;
        for (int i = 0; i < events; i++) {
            lost += completions.get(i) == 0 ? 1 : 0;
            handledTwice += completions.get(i) > 1 ? 1 : 0;
        }
        long deliveries = answers.values().stream().mapToLong(AtomicLong::get).sum();
        long absorbed = answers.get(Outcome.DUPLICATE).get() + answers.get(Outcome.IN_PROGRESS).get();
        long retriedFailures = answers.get(Outcome.HANDLER_FAILED).get();
        System.out.printf("soak %s: instances=%d events=%d deliveries=%d processed=%d (per instance %s)"
                        + " duplicates absorbed=%d (duplicate=%d, in progress=%d) failures retried=%d copies given up"
                        + " after %d retries=%d events lost=%d handled twice=%d%n", storeName(), receivers.size(),
                events, deliveries, answers.get(Outcome.PROCESSED).get(), processedBy, absorbed,
                answers.get(Outcome.DUPLICATE).get(), answers.get(Outcome.IN_PROGRESS).get(), retriedFailures,
                RETRIES, gaveUp.get(), lost, handledTwice);

        assertThat(lost).as("events lost").isZero();
        assertThat(handledTwice).as("events handled more than once").isZero();
        assertThat(answers.get(Outcome.PROCESSED).get()).isEqualTo(events);
        assertThat(retriedFailures).as("first attempts failed in the handler").isEqualTo(plan.failing());
        assertThat(absorbed).as("duplicates absorbed").isPositive();
        assertThat(answers.get(Outcome.DUPLICATE).get()).isPositive();
        // Whether two concurrent copies overlap (and one sees IN_PROGRESS) depends on scheduling, so it is allowed
        // but not required; every other answer must be one of these.
        assertThat(answers.keySet().stream().filter(outcome -> answers.get(outcome).get() > 0))
                .contains(Outcome.PROCESSED, Outcome.DUPLICATE, Outcome.HANDLER_FAILED)
                .isSubsetOf(Outcome.PROCESSED, Outcome.DUPLICATE, Outcome.IN_PROGRESS, Outcome.HANDLER_FAILED);
        for (int instance = 0; instance < receivers.size(); instance++) {
            assertThat(processedBy.get(instance)).as("events processed by instance %d", instance).isPositive();
        }
    }

    // One copy as Refold sends it: a first attempt, then up to RETRIES more while the answer is not 200. Attempts
    // take turns over the instances, starting at `turn`, as a load balancer in front of them would spread them.
    private static void send(List<WebhookReceiver> receivers, int turn, DeliveryRequest delivery,
                             Map<Outcome, AtomicLong> answers, AtomicLongArray processedBy, AtomicLong gaveUp) {
        for (int attempt = 0; attempt <= RETRIES; attempt++) {
            int instance = (turn + attempt) % receivers.size();
            DeliveryResult result = receivers.get(instance).receive(delivery);
            answers.get(result.outcome()).incrementAndGet();
            if (result.outcome() == Outcome.PROCESSED) {
                processedBy.incrementAndGet(instance);
            }
            if (result.isAcknowledged()) {
                return;
            }
        }
        gaveUp.incrementAndGet();
    }

}
