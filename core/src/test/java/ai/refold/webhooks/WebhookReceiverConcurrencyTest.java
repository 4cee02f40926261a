package ai.refold.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.Samples;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.signature.WebhookSigner;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Real threads delivering the same events at once, as Refold's retries and a busy network can. */
class WebhookReceiverConcurrencyTest {

    private static final String API_KEY = "test-api-key-0123456789";
    // Generous bounds that only stop a broken build from hanging; no assertion depends on timing.
    private static final long SAFETY_SECONDS = 60;

    private final WebhookSigner signer = WebhookSigner.of(API_KEY);

    private DeliveryRequest signed(byte[] body) {
        return DeliveryRequest.of("POST", Headers.of("x-cobalt-signature", signer.sign(body)), body);
    }

    @Test
    void runsTheHandlerOnceWhen64ThreadsDeliverTheSameEventAtOnce() throws Exception {
        int threads = 64;
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch othersAnswered = new CountDownLatch(threads - 1);
        AtomicInteger runs = new AtomicInteger();
        WebhookReceiver receiver = WebhookReceiver.builder()
                .signingKey("test", API_KEY)
                .on(WorkflowErrored.class, (event, context) -> {
                    runs.incrementAndGet();
                    entered.countDown();
                    // Hold the claim until every other delivery has been answered, so they all meet IN_PROGRESS.
                    assertThat(release.await(SAFETY_SECONDS, TimeUnit.SECONDS)).isTrue();
                })
                .build();
        DeliveryRequest request = signed(Samples.of(EventType.WORKFLOW_ERRORED));
        CyclicBarrier start = new CyclicBarrier(threads);
        Queue results = new Queue();
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Thread worker = new Thread(() -> {
                try {
                    start.await(SAFETY_SECONDS, TimeUnit.SECONDS);
                    results.add(receiver.receive(request));
                    othersAnswered.countDown();
                } catch (Exception e) {
                    results.failures.add(e);
                }
            });
            worker.start();
            workers.add(worker);
        }

        assertThat(entered.await(SAFETY_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(othersAnswered.await(SAFETY_SECONDS, TimeUnit.SECONDS)).isTrue();
        release.countDown();
        for (Thread worker : workers) {
            worker.join(TimeUnit.SECONDS.toMillis(SAFETY_SECONDS));
        }

        assertThat(results.failures).isEmpty();
        assertThat(runs).hasValue(1);
        assertThat(results.results).hasSize(threads);
        assertThat(results.results).allSatisfy(r -> assertThat(r.status()).isIn(200, 409));
        assertThat(results.results).filteredOn(r -> r.outcome() == Outcome.PROCESSED).hasSize(1);
        assertThat(results.results).filteredOn(r -> r.outcome() == Outcome.IN_PROGRESS).hasSize(threads - 1)
                .allSatisfy(r -> assertThat(r.responseHeaders()).containsKey("Retry-After"));
        assertThat(receiver.receive(request).outcome()).isEqualTo(Outcome.DUPLICATE);
        assertThat(runs).hasValue(1);
    }

    @Test
    void runsEachOf10000EventsOnceWhenEachArrivesThreeTimesInShuffledOrder() throws Exception {
        int events = 10_000;
        int copies = 3;
        int threads = 8;
        Map<String, AtomicInteger> runsPerInstance = new ConcurrentHashMap<>();
        AtomicInteger runs = new AtomicInteger();
        WebhookReceiver receiver = WebhookReceiver.builder()
                .signingKey("test", API_KEY)
                .on(WorkflowErrored.class, (event, context) -> {
                    runs.incrementAndGet();
                    runsPerInstance.computeIfAbsent(event.instanceId(), id -> new AtomicInteger()).incrementAndGet();
                })
                .build();
        List<DeliveryRequest> deliveries = new ArrayList<>(events * copies);
        for (int i = 0; i < events; i++) {
            byte[] body = ("{\"linked_account_id\":\"12345\",\"instance_id\":\"instance-" + i + "\","
                    + "\"workflow_id\":\"6495792b9b6ca6d77a17e513\",\"config_id\":\"12345\","
                    + "\"event\":\"Workflow Errored\",\"workflow_name\":\"Export contact to Hubspot\","
                    + "\"status\":\"ERRORED\"}").getBytes(StandardCharsets.UTF_8);
            DeliveryRequest request = signed(body);
            for (int c = 0; c < copies; c++) {
                deliveries.add(request);
            }
        }
        Collections.shuffle(deliveries, new Random(20261101L));
        CyclicBarrier start = new CyclicBarrier(threads);
        Queue results = new Queue();
        AtomicInteger conflicts = new AtomicInteger();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int first = t;
            Thread worker = new Thread(() -> {
                try {
                    start.await(SAFETY_SECONDS, TimeUnit.SECONDS);
                    for (int i = first; i < deliveries.size(); i += threads) {
                        DeliveryResult result = receiver.receive(deliveries.get(i));
                        // A 409 is Refold's cue to retry; retry until the event is acknowledged.
                        while (result.status() == 409) {
                            conflicts.incrementAndGet();
                            Thread.onSpinWait();
                            result = receiver.receive(deliveries.get(i));
                        }
                        results.add(result);
                    }
                } catch (Exception e) {
                    results.failures.add(e);
                }
            });
            worker.start();
            workers.add(worker);
        }
        for (Thread worker : workers) {
            worker.join(TimeUnit.SECONDS.toMillis(SAFETY_SECONDS));
        }

        assertThat(results.failures).isEmpty();
        assertThat(results.results).hasSize(events * copies);
        assertThat(results.results).allSatisfy(r -> assertThat(r.status()).isEqualTo(200));
        assertThat(results.results).filteredOn(r -> r.outcome() == Outcome.PROCESSED).hasSize(events);
        assertThat(results.results).filteredOn(r -> r.outcome() == Outcome.DUPLICATE).hasSize(events * (copies - 1));
        assertThat(runs).hasValue(events);
        assertThat(runsPerInstance).hasSize(events);
        assertThat(runsPerInstance.values()).allSatisfy(count -> assertThat(count).hasValue(1));
    }

    /** Collects what worker threads saw. */
    private static final class Queue {
        final ConcurrentLinkedQueue<DeliveryResult> results = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();

        void add(DeliveryResult result) {
            results.add(result);
        }
    }
}
