package ai.refold.webhooks.hardening;

import ai.refold.webhooks.DeliveryRequest;
import ai.refold.webhooks.DeliveryResult;
import ai.refold.webhooks.Headers;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A bounded soak of one receiver under Refold's delivery pattern: every event is sent, a share of them two or three
 * times (some copies at the same moment), a share fails in the handler on its first attempt, and each copy is retried
 * on any answer but 200, up to three times, as Refold does. It asserts that every event's handler completed exactly
 * once. Subclasses supply the store; the size comes from system properties:
 * {@code refold.soak.events} (5,000 by default), {@code refold.soak.threads} (8) and {@code refold.soak.seed}.
 */
public abstract class DeliverySoak {

    /** Refold's retries after a first attempt that is not answered 200. */
    public static final int RETRIES = 3;

    private static final String KEY = "rk_live_soak_5d1e9b3a7c2f4e8d";

    /** Returns a fresh, empty store for one soak run. */
    protected abstract IdempotencyStore createStore(int events);

    /** Returns a name for the printed figures. */
    protected String storeName() {
        return getClass().getSimpleName();
    }

    @Test
    void everyEventIsHandledExactlyOnceThroughDuplicatesConcurrentCopiesAndRetries() throws Exception {
        int events = Integer.getInteger("refold.soak.events", 5_000);
        int threads = Integer.getInteger("refold.soak.threads", 8);
        Random random = new Random(Long.getLong("refold.soak.seed", 20_261_101L));
        AtomicIntegerArray completions = new AtomicIntegerArray(events);
        AtomicIntegerArray attempts = new AtomicIntegerArray(events);
        boolean[] failsFirst = new boolean[events];
        int[] copies = new int[events];
        boolean[] concurrentCopies = new boolean[events];
        for (int i = 0; i < events; i++) {
            failsFirst[i] = random.nextInt(100) < 5;
            copies[i] = random.nextInt(100) < 30 ? 2 + random.nextInt(2) : 1;
            concurrentCopies[i] = copies[i] > 1 && random.nextBoolean();
        }
        WebhookReceiver receiver = WebhookReceiver.builder()
                .signingKey("live", KEY)
                .idempotencyStore(createStore(events))
                .on(WorkflowCompleted.class, (event, context) -> {
                    int i = Integer.parseInt(event.instanceId().substring("soak-".length()));
                    if (attempts.incrementAndGet(i) == 1 && failsFirst[i]) {
                        throw new IllegalStateException("first attempt of event " + i + " fails");
                    }
                    completions.incrementAndGet(i);
                })
                .build();
        Map<Outcome, AtomicLong> answers = new EnumMap<>(Outcome.class);
        for (Outcome outcome : Outcome.values()) {
            answers.put(outcome, new AtomicLong());
        }
        AtomicLong gaveUp = new AtomicLong();

        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Callable<Void>> senders = new ArrayList<>();
            for (int i = 0; i < events; i++) {
                DeliveryRequest delivery = delivery(i);
                if (concurrentCopies[i]) {
                    CountDownLatch start = new CountDownLatch(copies[i]);
                    for (int copy = 0; copy < copies[i]; copy++) {
                        senders.add(() -> {
                            start.countDown();
                            start.await(); // copies leave together, so they race for the claim
                            send(receiver, delivery, answers, gaveUp);
                            return null;
                        });
                    }
                } else {
                    int count = copies[i];
                    senders.add(() -> {
                        for (int copy = 0; copy < count; copy++) {
                            send(receiver, delivery, answers, gaveUp);
                        }
                        return null;
                    });
                }
            }
            // Copies of a group are queued side by side and the pool takes work in order, so at most one group
            // is partly started at a time: with three threads or more, waiting copies cannot stall the pool.
            assertThat(threads).isGreaterThanOrEqualTo(3);
            for (Future<Void> sender : pool.invokeAll(senders)) {
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
        System.out.printf("soak %s: events=%d deliveries=%d processed=%d duplicates absorbed=%d (duplicate=%d,"
                        + " in progress=%d) failures retried=%d copies given up after %d retries=%d events lost=%d"
                        + " handled twice=%d%n", storeName(), events, deliveries,
                answers.get(Outcome.PROCESSED).get(), absorbed, answers.get(Outcome.DUPLICATE).get(),
                answers.get(Outcome.IN_PROGRESS).get(), retriedFailures, RETRIES, gaveUp.get(), lost, handledTwice);

        assertThat(lost).as("events lost").isZero();
        assertThat(handledTwice).as("events handled more than once").isZero();
        assertThat(answers.get(Outcome.PROCESSED).get()).isEqualTo(events);
        int failing = 0;
        for (boolean fails : failsFirst) {
            failing += fails ? 1 : 0;
        }
        assertThat(retriedFailures).as("first attempts failed in the handler").isEqualTo(failing);
        assertThat(absorbed).as("duplicates absorbed").isPositive();
        assertThat(answers.get(Outcome.DUPLICATE).get()).isPositive();
        // Whether two concurrent copies overlap (and one sees IN_PROGRESS) depends on scheduling, so it is allowed
        // but not required; every other answer must be one of these.
        assertThat(answers.keySet().stream().filter(outcome -> answers.get(outcome).get() > 0))
                .contains(Outcome.PROCESSED, Outcome.DUPLICATE, Outcome.HANDLER_FAILED)
                .isSubsetOf(Outcome.PROCESSED, Outcome.DUPLICATE, Outcome.IN_PROGRESS, Outcome.HANDLER_FAILED);
    }

    // One copy as Refold sends it: a first attempt, then up to RETRIES more while the answer is not 200.
    private static void send(WebhookReceiver receiver, DeliveryRequest delivery, Map<Outcome, AtomicLong> answers,
                             AtomicLong gaveUp) {
        for (int attempt = 0; attempt <= RETRIES; attempt++) {
            DeliveryResult result = receiver.receive(delivery);
            answers.get(result.outcome()).incrementAndGet();
            if (result.isAcknowledged()) {
                return;
            }
        }
        gaveUp.incrementAndGet();
    }

    private static DeliveryRequest delivery(int i) {
        byte[] body = HostileRequests.workflow("soak-" + i);
        return DeliveryRequest.of("POST", Headers.of("x-cobalt-signature", HostileRequests.sign(KEY, body)), body);
    }
}
