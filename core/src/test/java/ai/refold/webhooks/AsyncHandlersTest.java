package ai.refold.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.Samples;
import ai.refold.webhooks.event.WebhookEvent;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.idempotency.ClaimResult;
import ai.refold.webhooks.idempotency.IdempotencyStore;
import ai.refold.webhooks.idempotency.InMemoryIdempotencyStore;
import ai.refold.webhooks.idempotency.InMemoryInboxStore;
import ai.refold.webhooks.signature.WebhookSigner;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Handlers whose work finishes later ({@link AsyncEventHandler}): their stage's completion ends the delivery exactly
 * as a synchronous handler's return or throw does, whether the receiver waits for it ({@code receive}) or resumes on
 * an executor when it completes ({@link IncomingDelivery#finishAsync}); the claim stays renewed meanwhile, and no
 * handler after it and no store call ever runs on the thread that completed the stage.
 */
@Timeout(30)
class AsyncHandlersTest {

    private static final String API_KEY = "async-handlers-api-key-0123";
    private static final byte[] ERRORED = Samples.of(EventType.WORKFLOW_ERRORED);

    private final ThreadRecordingStore store = new ThreadRecordingStore(InMemoryIdempotencyStore.create());
    private final List<String> calls = new CopyOnWriteArrayList<>();
    private final ExecutorService completer = Executors.newSingleThreadExecutor(named("stage-completer"));
    private final ExecutorService blockingWork = Executors.newCachedThreadPool(named("blocking-work"));

    @AfterEach
    void stopThreads() {
        completer.shutdownNow();
        blockingWork.shutdownNow();
    }

    private WebhookReceiver.Builder builder() {
        return WebhookReceiver.builder().signingKey("test", API_KEY).idempotencyStore(store);
    }

    @Test
    void receiveWaitsForAPendingStageAndRunsTheNextHandlerOnlyOnceItCompleted() {
        CompletableFuture<Void> downstream = new CompletableFuture<>();
        WebhookReceiver receiver = builder()
                .onAsync(WorkflowErrored.class, (event, context) -> {
                    calls.add("async started");
                    completer.execute(() -> {
                        calls.add("async completed");
                        downstream.complete(null);
                    });
                    return downstream;
                })
                .on(WorkflowErrored.class, (event, context) -> calls.add("sync"))
                .build();

        DeliveryResult result = receiver.receive(signed(ERRORED));

        assertThat(result.outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(calls).containsExactly("async started", "async completed", "sync");
        assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.DUPLICATE);
    }

    @Test
    void aStageThatFailsIsAnsweredAsAThrowingHandlerIsAndItsEventIsReleasedForTheRetry() {
        AtomicInteger attempts = new AtomicInteger();
        WebhookReceiver receiver = builder()
                .onAsync(WorkflowErrored.class, (event, context) -> attempts.incrementAndGet() == 1
                        ? CompletableFuture.supplyAsync(() -> {
                            throw new IllegalStateException("downstream refused");
                        }, completer)
                        : CompletableFuture.completedFuture(null))
                .build();

        DeliveryResult failed = receiver.receive(signed(ERRORED));
        DeliveryResult retried = receiver.receive(signed(ERRORED));

        assertThat(failed.outcome()).isEqualTo(Outcome.HANDLER_FAILED);
        assertThat(failed.status()).isEqualTo(500);
        assertThat(retried.outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(attempts).hasValue(2);
    }

    @Test
    void aHandlerThatThrowsBeforeReturningAStageAReturnedNullAndACancelledStageAllFailTheDelivery() {
        List<AsyncEventHandler<WebhookEvent>> failing = List.of(
                (event, context) -> {
                    throw new IllegalStateException("could not start");
                },
                (event, context) -> null,
                (event, context) -> {
                    CompletableFuture<Void> cancelled = new CompletableFuture<>();
                    cancelled.cancel(false);
                    return cancelled;
                });
        for (AsyncEventHandler<WebhookEvent> handler : failing) {
            WebhookReceiver receiver = WebhookReceiver.builder().signingKey("test", API_KEY).onAsync(
                    EventFilter.of(WebhookEvent.class), handler).build();

            assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.HANDLER_FAILED);
        }
    }

    @Test
    void aRetryAfterAnAsynchronousFailureRunsOnlyTheHandlersThatHaveNotSucceeded() throws Exception {
        AtomicInteger asyncAttempts = new AtomicInteger();
        WebhookReceiver receiver = builder()
                .on("first", EventFilter.of(WorkflowErrored.class), (event, context) -> calls.add("first"))
                .onAsync("second", EventFilter.of(WorkflowErrored.class), (event, context) -> {
                    calls.add("second");
                    return asyncAttempts.incrementAndGet() == 1
                            ? CompletableFuture.failedFuture(new IllegalStateException("not yet"))
                            : CompletableFuture.completedFuture(null);
                })
                .build();

        assertThat(finishAsync(receiver, ERRORED, blockingWork).outcome()).isEqualTo(Outcome.HANDLER_FAILED);
        assertThat(finishAsync(receiver, ERRORED, blockingWork).outcome()).isEqualTo(Outcome.PROCESSED);

        assertThat(calls).containsExactly("first", "second", "second");
    }

    @Test
    void finishAsyncResumesOnTheExecutorSoThatNeitherTheNextHandlerNorTheStoreRunsOnTheCompletingThread()
            throws Exception {
        CompletableFuture<Void> downstream = new CompletableFuture<>();
        CountDownLatch pending = new CountDownLatch(1);
        Map<String, String> threads = new ConcurrentHashMap<>();
        WebhookReceiver receiver = builder()
                .onAsync(WorkflowErrored.class, (event, context) -> {
                    threads.put("async handler", Thread.currentThread().getName());
                    pending.countDown();
                    return downstream;
                })
                .on(WorkflowErrored.class, (event, context) -> threads.put("next handler",
                        Thread.currentThread().getName()))
                .build();
        IncomingDelivery delivery = opened(receiver, ERRORED);
        Thread caller = Thread.currentThread();

        CompletionStage<DeliveryResult> answer = delivery.finishAsync(blockingWork).orElseThrow();
        assertThat(pending.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(answer.toCompletableFuture()).isNotDone();
        completer.execute(() -> downstream.complete(null));
        DeliveryResult result = answer.toCompletableFuture().get(10, TimeUnit.SECONDS);

        assertThat(result.outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(threads).containsOnlyKeys("async handler", "next handler")
                .allSatisfy((what, thread) -> assertThat(thread).as(what).startsWith("blocking-work"));
        assertThat(store.threads()).isNotEmpty().allSatisfy(thread -> assertThat(thread)
                .isNotEqualTo(caller.getName()).startsWith("blocking-work"));
    }

    // The executor takes the delivery, then cannot take its resumption (refused, or failed otherwise): the run goes on
    // on a thread of the SDK's own, never on the completing thread, and is neither stranded (its claim renewed for
    // good, its answer never given) nor run twice.
    @Test
    void aResumptionTheExecutorCannotTakeGoesOnOnAThreadOfTheSdksOwnOnce() throws Exception {
        for (RuntimeException failure : List.of(new RejectedExecutionException("saturated"),
                new IllegalStateException("executor shut down"))) {
            CompletableFuture<Void> downstream = new CompletableFuture<>();
            CountDownLatch pending = new CountDownLatch(1);
            Map<String, String> threads = new ConcurrentHashMap<>();
            AtomicInteger taken = new AtomicInteger();
            WebhookReceiver receiver = WebhookReceiver.builder().signingKey("test", API_KEY)
                    .onAsync(WorkflowErrored.class, (event, context) -> {
                        pending.countDown();
                        return downstream;
                    })
                    .on(WorkflowErrored.class, (event, context) -> threads.merge("next handler",
                            Thread.currentThread().getName(), (a, b) -> a + "," + b))
                    .build();
            CountDownLatch returned = new CountDownLatch(1);
            CompletionStage<DeliveryResult> answer = opened(receiver, ERRORED).finishAsync(task -> {
                if (taken.getAndIncrement() > 0) {
                    throw failure;
                }
                blockingWork.execute(() -> {
                    task.run();
                    returned.countDown();
                });
            }).orElseThrow();
            assertThat(pending.await(10, TimeUnit.SECONDS)).isTrue();
            // Completed once the run waits for it: completed earlier, the run would go on on the thread it is on.
            assertThat(returned.await(10, TimeUnit.SECONDS)).isTrue();
            completer.execute(() -> downstream.complete(null));

            assertThat(answer.toCompletableFuture().get(10, TimeUnit.SECONDS).outcome()).as(failure.toString())
                    .isEqualTo(Outcome.PROCESSED);
            assertThat(threads.get("next handler")).as(failure.toString()).isEqualTo("refold-webhook-resume");
            assertThat(receiver.heartbeats().inFlight()).isEmpty();
            receiver.close();
        }
    }

    // The threads that take refused resumptions belong to the receiver: in a servlet container, one left running after
    // an undeploy would pin the application's class loader (as its context class loader and through the handlers'
    // classes). They end when the receiver closes, and carry the context class loader the receiver was built with,
    // not that of the thread that completed the stage.
    @Test
    void aThreadThatTookARefusedResumptionEndsWhenTheReceiverClosesAndCarriesTheBuildersClassLoader()
            throws Exception {
        ClassLoader application = new URLClassLoader(new URL[0], getClass().getClassLoader());
        ClassLoader eventLoop = new URLClassLoader(new URL[0], null);
        CompletableFuture<Void> downstream = new CompletableFuture<>();
        CountDownLatch pending = new CountDownLatch(1);
        AtomicReference<Thread> resumed = new AtomicReference<>();
        AtomicReference<ClassLoader> loader = new AtomicReference<>();
        Thread test = Thread.currentThread();
        ClassLoader previous = test.getContextClassLoader();
        WebhookReceiver receiver;
        test.setContextClassLoader(application);
        try {
            receiver = builder()
                    .onAsync(WorkflowErrored.class, (event, context) -> {
                        pending.countDown();
                        return downstream;
                    })
                    .on(WorkflowErrored.class, (event, context) -> {
                        resumed.set(Thread.currentThread());
                        loader.set(Thread.currentThread().getContextClassLoader());
                    })
                    .build();
        } finally {
            test.setContextClassLoader(previous);
        }
        AtomicInteger taken = new AtomicInteger();
        CountDownLatch returned = new CountDownLatch(1);
        CompletionStage<DeliveryResult> answer = opened(receiver, ERRORED).finishAsync(task -> {
            if (taken.getAndIncrement() > 0) {
                throw new RejectedExecutionException("saturated");
            }
            blockingWork.execute(() -> {
                task.run();
                returned.countDown();
            });
        }).orElseThrow();
        assertThat(pending.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(returned.await(10, TimeUnit.SECONDS)).isTrue();
        completer.execute(() -> {
            Thread.currentThread().setContextClassLoader(eventLoop);
            downstream.complete(null);
        });
        assertThat(answer.toCompletableFuture().get(10, TimeUnit.SECONDS).outcome()).isEqualTo(Outcome.PROCESSED);

        receiver.close();

        Thread thread = resumed.get();
        assertThat(thread.getName()).isEqualTo("refold-webhook-resume");
        thread.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(thread.isAlive()).as("a resume thread alive after the receiver closed").isFalse();
        assertThat(loader.get()).isSameAs(application);
    }

    @Test
    void resumptionsTheExecutorRefusesShareAFewThreadsOfTheSdksOwnAndEachRunsOnce() throws Exception {
        // As many threads as processors (at least two): an executor refusing under load must not make the SDK start a
        // thread for every delivery in flight. Three times as many runs wait on a blocked next handler.
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        int deliveries = threads * 3;
        CompletableFuture<Void> downstream = new CompletableFuture<>();
        CountDownLatch pending = new CountDownLatch(deliveries);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger mostRunning = new AtomicInteger();
        Map<String, Integer> runsByEvent = new ConcurrentHashMap<>();
        WebhookReceiver receiver = builder()
                .onAsync(WorkflowErrored.class, (event, context) -> {
                    pending.countDown();
                    return downstream;
                })
                .on(WorkflowErrored.class, (event, context) -> {
                    mostRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
                    runsByEvent.merge(event.instanceId(), 1, Integer::sum);
                    try {
                        release.await(20, TimeUnit.SECONDS);
                    } finally {
                        running.decrementAndGet();
                    }
                })
                .build();
        List<CompletionStage<DeliveryResult>> answers = new ArrayList<>();
        CountDownLatch returned = new CountDownLatch(deliveries);
        for (int i = 0; i < deliveries; i++) {
            AtomicInteger taken = new AtomicInteger();
            answers.add(opened(receiver, errored(i)).finishAsync(task -> {
                if (taken.getAndIncrement() > 0) {
                    throw new RejectedExecutionException("saturated");
                }
                blockingWork.execute(() -> {
                    task.run();
                    returned.countDown();
                });
            }).orElseThrow());
        }
        assertThat(pending.await(10, TimeUnit.SECONDS)).isTrue();
        // Completed once every run waits for it: completed earlier, a run would go on on the thread it is on.
        assertThat(returned.await(10, TimeUnit.SECONDS)).isTrue();
        completer.execute(() -> downstream.complete(null));
        for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
             running.get() < threads && System.nanoTime() < end; ) {
            Thread.sleep(10);
        }
        // Every run is ready to resume at once: a thread per run would have started them all by now.
        Thread.sleep(200);

        assertThat(running).hasValue(threads);
        release.countDown();
        for (CompletionStage<DeliveryResult> answer : answers) {
            assertThat(answer.toCompletableFuture().get(10, TimeUnit.SECONDS).outcome()).isEqualTo(Outcome.PROCESSED);
        }
        assertThat(mostRunning).hasValue(threads);
        assertThat(runsByEvent).hasSize(deliveries).allSatisfy((event, runs) -> assertThat(runs).isOne());
        receiver.close();
    }

    // The documented Workflow Errored sample as event number i: its instance_id made distinct.
    private static byte[] errored(int i) {
        String sample = new String(ERRORED, StandardCharsets.UTF_8);
        String distinct = sample.replaceFirst("\"instance_id\": \"[0-9a-f]+\"",
                String.format(Locale.ROOT, "\"instance_id\": \"656f308b9144bb8f%08x\"", i));
        assertThat(distinct).isNotEqualTo(sample);
        return distinct.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void whileAStageIsPendingItsClaimIsRenewedACopyIsAnsweredInProgressAndOnceDoneADuplicate() throws Exception {
        CompletableFuture<Void> downstream = new CompletableFuture<>();
        AtomicInteger renewals = new AtomicInteger();
        IdempotencyStore counting = new ThreadRecordingStore(InMemoryIdempotencyStore.create()) {
            @Override
            public boolean renew(String key, String owner, Duration lease) {
                renewals.incrementAndGet();
                return super.renew(key, owner, lease);
            }
        };
        CountDownLatch claimed = new CountDownLatch(1);
        WebhookReceiver receiver = WebhookReceiver.builder().signingKey("test", API_KEY).idempotencyStore(counting)
                .manualHeartbeats().onAsync(WorkflowErrored.class, (event, context) -> {
                    claimed.countDown();
                    return downstream;
                }).build();

        CompletionStage<DeliveryResult> first = opened(receiver, ERRORED).finishAsync(blockingWork).orElseThrow();
        assertThat(claimed.await(10, TimeUnit.SECONDS)).isTrue();
        DeliveryResult copy = receiver.receive(signed(ERRORED));
        receiver.heartbeats().sweep();
        receiver.heartbeats().sweep();
        downstream.complete(null);

        assertThat(copy.outcome()).isEqualTo(Outcome.IN_PROGRESS);
        assertThat(renewals).hasValue(2);
        assertThat(first.toCompletableFuture().get(10, TimeUnit.SECONDS).outcome()).isEqualTo(Outcome.PROCESSED);
        receiver.heartbeats().sweep();
        assertThat(renewals).as("no renewal once the delivery ended").hasValue(2);
        assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.DUPLICATE);
    }

    @Test
    void aGracefulCloseWaitsForAPendingStageAndDeliveriesAfterItAreAnsweredOverloaded() throws Exception {
        CompletableFuture<Void> downstream = new CompletableFuture<>();
        CountDownLatch pending = new CountDownLatch(1);
        WebhookReceiver receiver = builder().onAsync(WorkflowErrored.class, (event, context) -> {
            if (!event.instanceId().equals("656f308b9144bb8f183bfc7b")) {
                return CompletableFuture.completedFuture(null);
            }
            pending.countDown();
            return downstream;
        }).build();
        CompletionStage<DeliveryResult> inFlight = opened(receiver, ERRORED).finishAsync(blockingWork).orElseThrow();
        assertThat(pending.await(10, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Void> closed = CompletableFuture.runAsync(() -> receiver.close(Duration.ofSeconds(20)),
                completer);
        DeliveryResult afterClose = awaitAnswer(receiver, Outcome.OVERLOADED);
        assertThat(closed).as("close waits while the stage is pending").isNotDone();
        downstream.complete(null);
        closed.get(20, TimeUnit.SECONDS);

        assertThat(inFlight.toCompletableFuture().get(10, TimeUnit.SECONDS).outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(afterClose.status()).isEqualTo(503);
    }

    // Other events, each new, sent until one is answered with `outcome`: once close has begun.
    private DeliveryResult awaitAnswer(WebhookReceiver receiver, Outcome outcome) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        DeliveryResult answer;
        int event = 0;
        do {
            byte[] other = new String(ERRORED, java.nio.charset.StandardCharsets.UTF_8)
                    .replace("656f308b9144bb8f183bfc7b", "other-event-" + event++)
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            answer = finishAsync(receiver, other, blockingWork);
        } while (answer.outcome() != outcome && System.nanoTime() < deadline);
        return answer;
    }

    @Test
    void anExecutorThatRefusesTheWorkIsAnsweredOverloadedWithoutAClaimAndGivesTheBodyBackToTheBudget() {
        WebhookReceiver receiver = builder().bodyBudget(ERRORED.length)
                .on(WorkflowErrored.class, (event, context) -> calls.add("ran")).build();

        DeliveryResult refused = opened(receiver, ERRORED).finishAsync(task -> {
            throw new RejectedExecutionException("saturated");
        }).orElseThrow().toCompletableFuture().join();

        assertThat(refused.outcome()).isEqualTo(Outcome.OVERLOADED);
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.responseHeaders()).containsEntry("Retry-After", "1");
        assertThat(store.threads()).as("store calls").isEmpty();
        assertThat(calls).isEmpty();
        // The budget holds exactly one body: had the refused one kept its bytes, this would be refused busy.
        assertThat(receiver.open("POST", headers(ERRORED), ERRORED.length).refusal()).isEmpty();
    }

    // An executor that fails otherwise than by refusing (one never started, one that cannot start a thread) took
    // nothing either: the delivery is answered as refused, and its bytes go back to the budget.
    @Test
    void anExecutorThatFailsOtherwiseIsAnsweredAsARefusalAndGivesTheBodyBackToTheBudget() {
        WebhookReceiver receiver = builder().bodyBudget(ERRORED.length)
                .on(WorkflowErrored.class, (event, context) -> calls.add("ran")).build();

        DeliveryResult refused = opened(receiver, ERRORED).finishAsync(task -> {
            throw new IllegalStateException("executor not initialized");
        }).orElseThrow().toCompletableFuture().join();

        assertThat(refused.outcome()).isEqualTo(Outcome.OVERLOADED);
        assertThat(refused.status()).isEqualTo(503);
        assertThat(calls).isEmpty();
        // The budget holds exactly one body: had the refused one kept its bytes, this would be refused busy.
        assertThat(receiver.open("POST", headers(ERRORED), ERRORED.length).refusal()).isEmpty();
    }

    @Test
    void finishAsyncAnswersOnlyTheCallThatEndedTheDelivery() throws Exception {
        WebhookReceiver receiver = builder().on(WorkflowErrored.class, (event, context) -> { }).build();
        IncomingDelivery expired = opened(receiver, ERRORED);
        IncomingDelivery shortBody = receiver.open("POST", headers(ERRORED), ERRORED.length + 10L);
        shortBody.accept(ERRORED, 0, ERRORED.length);

        assertThat(expired.expire()).isPresent();
        assertThat(expired.finishAsync(blockingWork)).isEmpty();
        assertThat(shortBody.finishAsync(blockingWork).orElseThrow().toCompletableFuture().get(10, TimeUnit.SECONDS)
                .outcome()).isEqualTo(Outcome.BODY_UNREADABLE);
        assertThatThrownBy(() -> expired.finishAsync(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void listenersAreToldHowLongAnAsynchronousHandlerTookUntilItsStageCompletedAndWhatItFailedWith()
            throws Exception {
        List<String> runs = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> downstream = new CompletableFuture<>();
        IllegalStateException refused = new IllegalStateException("refused");
        WebhookReceiver receiver = builder()
                .listener(new DeliveryListener() {
                    @Override
                    public void onDelivery(DeliveryResult result, Duration elapsed) {
                    }

                    @Override
                    public void onHandler(String handler, WebhookEvent event, Duration elapsed, Throwable failure) {
                        runs.add(handler + " " + (elapsed.toMillis() >= 50) + " " + failure);
                    }
                })
                .onAsync("remote", EventFilter.of(WorkflowErrored.class), (event, context) -> {
                    completer.execute(() -> {
                        try {
                            Thread.sleep(60); // the handler's own work, which the listener must see in the time
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        downstream.completeExceptionally(refused);
                    });
                    return downstream;
                })
                .build();

        assertThat(finishAsync(receiver, ERRORED, blockingWork).outcome()).isEqualTo(Outcome.HANDLER_FAILED);

        assertThat(runs).containsExactly("remote true " + refused);
    }

    @Test
    void acknowledgeFastAndInboxModeRunAsynchronousHandlersOnTheirOwnThreads() throws Exception {
        CountDownLatch ranAcknowledged = new CountDownLatch(1);
        WebhookReceiver acknowledgeFast = builder().acknowledgeFast(blockingWork)
                .onAsync(WorkflowErrored.class, (event, context) -> CompletableFuture.runAsync(
                        ranAcknowledged::countDown, completer))
                .build();
        CountDownLatch ranFromInbox = new CountDownLatch(1);
        WebhookReceiver inbox = WebhookReceiver.builder().signingKey("test", API_KEY)
                .inbox(InMemoryInboxStore.builder().build(),
                        InboxOptions.defaults().withPollInterval(Duration.ofMillis(20)))
                .onAsync(WorkflowErrored.class, (event, context) -> CompletableFuture.runAsync(
                        ranFromInbox::countDown, completer))
                .build();
        try {
            assertThat(acknowledgeFast.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.ACCEPTED);
            assertThat(inbox.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.ACCEPTED);

            assertThat(ranAcknowledged.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(ranFromInbox.await(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            acknowledgeFast.close(Duration.ofSeconds(5));
            inbox.close(Duration.ofSeconds(5));
        }
    }

    @Test
    void asynchronousHandlersAreNamedAndValidatedAsSynchronousOnesAre() {
        WebhookReceiver.Builder builder = builder().onAsync(WorkflowErrored.class,
                (event, context) -> CompletableFuture.completedFuture(null));

        assertThatThrownBy(() -> builder.onAsync("#1", EventFilter.of(WebhookEvent.class),
                (event, context) -> null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.onAsync(WorkflowErrored.class, null))
                .isInstanceOf(NullPointerException.class);
        assertThat(builder.hasHandlers()).isTrue();
        assertThat(builder.build().receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.PROCESSED);
    }

    private static DeliveryResult finishAsync(WebhookReceiver receiver, byte[] body, ExecutorService executor)
            throws Exception {
        return opened(receiver, body).finishAsync(executor).orElseThrow().toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
    }

    private static IncomingDelivery opened(WebhookReceiver receiver, byte[] body) {
        IncomingDelivery delivery = receiver.open("POST", headers(body), body.length);
        assertThat(delivery.accept(body, 0, body.length)).isEmpty();
        return delivery;
    }

    private static Headers headers(byte[] body) {
        return Headers.of("x-cobalt-signature", WebhookSigner.of(API_KEY).sign(body));
    }

    private static DeliveryRequest signed(byte[] body) {
        return DeliveryRequest.of("POST", headers(body), body);
    }

    private static java.util.concurrent.ThreadFactory named(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** The in-memory store, recording the thread of every call but renewals (the heartbeat thread's). */
    static class ThreadRecordingStore implements IdempotencyStore {
        private final IdempotencyStore delegate;
        private final List<String> threads = new CopyOnWriteArrayList<>();

        ThreadRecordingStore(IdempotencyStore delegate) {
            this.delegate = delegate;
        }

        List<String> threads() {
            return threads;
        }

        @Override
        public ClaimResult claim(String key, String owner, Duration lease) {
            threads.add(Thread.currentThread().getName());
            return delegate.claim(key, owner, lease);
        }

        @Override
        public boolean renew(String key, String owner, Duration lease) {
            return delegate.renew(key, owner, lease);
        }

        @Override
        public boolean complete(String key, String owner, Duration retention) {
            threads.add(Thread.currentThread().getName());
            return delegate.complete(key, owner, retention);
        }

        @Override
        public boolean release(String key, String owner) {
            threads.add(Thread.currentThread().getName());
            return delegate.release(key, owner);
        }

        @Override
        public boolean release(String key, String owner, Set<String> doneHandlers, Duration retention) {
            threads.add(Thread.currentThread().getName());
            return delegate.release(key, owner, doneHandlers, retention);
        }

        @Override
        public Set<String> doneHandlers(String key) {
            return delegate.doneHandlers(key);
        }

        @Override
        public Optional<Duration> leaseRemaining(String key) {
            return delegate.leaseRemaining(key);
        }
    }
}
