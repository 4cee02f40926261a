package ai.refold.webhooks.spring.reactive;

import ai.refold.webhooks.DeliveryContext;
import ai.refold.webhooks.event.ConnectionCreated;
import ai.refold.webhooks.event.ConnectionDeleted;
import ai.refold.webhooks.event.ConnectionExpired;
import ai.refold.webhooks.event.UnknownEvent;
import ai.refold.webhooks.event.WebhookEvent;
import ai.refold.webhooks.event.WorkflowCompleted;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.spring.RefoldWebhook;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Handler methods of every shape a WebFlux application writes: blocking ones, a {@code Mono<Void>} whose subscription
 * blocks and whose completion comes from Reactor's parallel scheduler (a thread that must not block), and a
 * {@code CompletableFuture}. Each notes whether it ran on a non-blocking thread.
 */
public class ReactiveHandlers {

    /** Instance id whose blocking handler throws on the first delivery. */
    public static final String THROWS_ONCE = "7405100c7405100c7405100c";
    /** Instance id whose Mono fails on the first delivery. */
    public static final String MONO_FAILS_ONCE = "3000f00d3000f00d3000f00d";
    /** Instance id whose handler waits on {@link #gate}, for a copy to arrive meanwhile. */
    public static final String SLOW = "5105105105105105105105a1";

    /** One run: which method, with what, and whether on a thread that must not block. */
    public record Run(String method, WebhookEvent event, boolean nonBlockingThread) {
    }

    public final List<Run> runs = new CopyOnWriteArrayList<>();
    public volatile CountDownLatch gate = new CountDownLatch(0);
    public final CountDownLatch slowStarted = new CountDownLatch(1);
    private final Set<String> failedOnce = ConcurrentHashMap.newKeySet();

    public List<Run> runs(String method) {
        return runs.stream().filter(run -> run.method().equals(method)).toList();
    }

    private void ran(String method, WebhookEvent event) {
        runs.add(new Run(method, event, Schedulers.isInNonBlockingThread()));
    }

    @RefoldWebhook
    void onCreated(ConnectionCreated event) {
        ran("onCreated", event);
    }

    @RefoldWebhook
    void onDeleted(ConnectionDeleted event, DeliveryContext context) {
        ran("onDeleted", event);
    }

    @RefoldWebhook
    CompletableFuture<Void> onExpired(ConnectionExpired event) {
        ran("onExpired", event);
        return CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(5, TimeUnit.MILLISECONDS));
    }

    @RefoldWebhook
    void onCompleted(WorkflowCompleted event) throws InterruptedException {
        ran("onCompleted", event);
        if (event.instanceId().equals(THROWS_ONCE) && failedOnce.add(event.instanceId())) {
            throw new IllegalStateException("downstream system unavailable");
        }
        if (event.instanceId().equals(SLOW)) {
            slowStarted.countDown();
            gate.await(20, TimeUnit.SECONDS);
        }
    }

    // The subscription runs where the receiver calls the method; the delay completes it on the parallel scheduler.
    @RefoldWebhook
    Mono<Void> onErrored(WorkflowErrored event) {
        return Mono.fromCallable(() -> {
            ran("onErrored", event);
            Thread.sleep(1); // blocking work inside the subscription
            if (event.instanceId().equals(MONO_FAILS_ONCE) && failedOnce.add(event.instanceId())) {
                throw new IllegalStateException("reactive repository unavailable");
            }
            return event;
        }).delayElement(Duration.ofMillis(5)).then();
    }

    // Registered after onErrored (methods run in name order): it runs once the Mono completed, on a blocking thread.
    @RefoldWebhook
    void onErroredThen(WorkflowErrored event) {
        ran("onErroredThen", event);
    }

    @RefoldWebhook
    void onUnknown(UnknownEvent event) {
        ran("onUnknown", event);
    }

    /** Returns whether each run so far was on a non-blocking thread, by method. */
    public Map<String, List<Boolean>> threadsByMethod() {
        Map<String, List<Boolean>> byMethod = new java.util.TreeMap<>();
        runs.forEach(run -> byMethod.computeIfAbsent(run.method(), method -> new CopyOnWriteArrayList<>())
                .add(run.nonBlockingThread()));
        return byMethod;
    }
}
