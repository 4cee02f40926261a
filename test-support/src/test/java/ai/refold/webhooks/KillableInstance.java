package ai.refold.webhooks;

import ai.refold.webhooks.event.WorkflowCompleted;
import ai.refold.webhooks.idempotency.IdempotencyStore;
import ai.refold.webhooks.idempotency.InstanceConnections;
import ai.refold.webhooks.test.hardening.DeliveryPlan;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One application instance in a soak: a receiver on its own connections to the shared database, answering on
 * request threads of its own as an HTTP server does, that can be killed in process as a crash would kill it. From
 * the kill on it answers nothing: a sender waiting on it sees its connection reset, and a later one is refused; its
 * handlers stop where they are without ending their deliveries; its heartbeats stop and its connections are cut,
 * so that nothing it was doing reaches the database. Which deliveries it held at that moment is what
 * {@link #killIf} returns: the crash window.
 */
final class KillableInstance {

    /** The handler an instance runs; {@link #pause} is how it waits, so that a kill stops it there. */
    @FunctionalInterface
    interface Handler {
        void handle(KillableInstance self, WorkflowCompleted event, DeliveryContext context) throws Exception;
    }

    /**
     * What a sender got back: an answer, or none because the instance died with the delivery in flight
     * ({@code refused} false: Refold sees an error and retries later) or was dead before it ({@code refused} true:
     * the connection never reached it, and the load balancer tries the instance now in its place).
     */
    record Reply(DeliveryResult answer, boolean refused) {
        static final Reply RESET = new Reply(null, false);
        static final Reply REFUSED = new Reply(null, true);
    }

    private record InFlight(int event, int attempt, CompletableFuture<Reply> reply) {
    }

    private final String name;
    private final InstanceConnections connections;
    private final WebhookReceiver receiver;
    private final ExecutorService requests;
    private final Set<InFlight> inFlight = ConcurrentHashMap.newKeySet();
    private final CountDownLatch killed = new CountDownLatch(1);
    private final AtomicInteger handlersRunning = new AtomicInteger();
    private final AtomicLong processed = new AtomicLong();
    private final Duration patience;
    private boolean dead; // guarded by this

    KillableInstance(String name, InstanceConnections connections, IdempotencyStore store, Duration lease,
                     int threads, Duration patience, Handler handler) {
        this.name = name;
        this.connections = connections;
        this.patience = patience;
        this.requests = Executors.newFixedThreadPool(threads, task -> daemon(task, "instance-" + name + "-request"));
        this.receiver = WebhookReceiver.builder()
                .signingKey("live", DeliveryPlan.API_KEY)
                .idempotencyStore(store)
                .lease(lease)
                .on(WorkflowCompleted.class, (event, context) -> handle(handler, event, context))
                .build();
    }

    /**
     * Sends {@code request}, attempt {@code attempt} (0 for the first) of a copy of {@code event}, and waits for
     * the reply.
     *
     * @throws IllegalStateException if no reply came within the patience given at construction
     */
    Reply deliver(int event, int attempt, DeliveryRequest request) throws Exception {
        InFlight delivery = new InFlight(event, attempt, new CompletableFuture<>());
        synchronized (this) {
            if (dead) {
                return Reply.REFUSED;
            }
            inFlight.add(delivery);
        }
        requests.execute(() -> {
            try {
                DeliveryResult answer = receiver.receive(request);
                if (answer.outcome() == Outcome.PROCESSED) {
                    processed.incrementAndGet();
                }
                delivery.reply().complete(new Reply(answer, false));
            } catch (Throwable e) {
                delivery.reply().completeExceptionally(e);
            } finally {
                // Only after the reply: a delivery that left the set before a kill had its completion recorded.
                inFlight.remove(delivery);
            }
        });
        try {
            return delivery.reply().get(patience.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("instance " + name + " did not answer within " + patience, e);
        }
    }

    /**
     * Kills this instance if it holds deliveries, none of which is an attempt after {@code lastKillableAttempt},
     * and, unless {@code anyHandler}, at least one is running its handler; {@code replace} is run just before the
     * kill, under the same lock as every delivery's arrival, so that no sender finds the instance's place empty.
     *
     * @return the events of the deliveries it held (the crash window), or null if it was not killed
     */
    synchronized Set<Integer> killIf(int lastKillableAttempt, boolean anyHandler, Runnable replace) {
        if (dead || inFlight.isEmpty() || !anyHandler && handlersRunning.get() == 0
                || inFlight.stream().anyMatch(delivery -> delivery.attempt() > lastKillableAttempt)) {
            return null;
        }
        replace.run();
        dead = true;
        killed.countDown();
        Set<Integer> window = new HashSet<>();
        for (InFlight delivery : inFlight) {
            window.add(delivery.event());
            delivery.reply().complete(Reply.RESET);
        }
        // Only after the crash window is known: whatever the instance still does from here reaches nothing.
        connections.refuseForGood();
        receiver.heartbeats().close();
        return window;
    }

    /** Returns immediately unless this instance was killed; then never returns (until the soak ends). */
    void haltIfKilled() throws InterruptedException {
        if (killed.getCount() == 0) {
            halt();
        }
    }

    /** Waits for {@code duration}, as a slow handler does, unless this instance is killed meanwhile. */
    void pause(Duration duration) throws InterruptedException {
        if (killed.await(duration.toNanos(), TimeUnit.NANOSECONDS)) {
            halt();
        }
    }

    /** Returns how many deliveries this instance answered as processed. */
    long processed() {
        return processed.get();
    }

    /** Returns this instance's name. */
    String name() {
        return name;
    }

    /**
     * Ends the soak for this instance: a live one closes gracefully; a killed one's halted threads are interrupted,
     * so that they stop for good (what they then try reaches nothing).
     */
    void shutDown() throws InterruptedException {
        boolean wasKilled;
        synchronized (this) {
            wasKilled = dead;
        }
        if (wasKilled) {
            requests.shutdownNow();
        } else {
            receiver.close(patience);
            requests.shutdown();
        }
        requests.awaitTermination(patience.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void handle(Handler handler, WorkflowCompleted event, DeliveryContext context) throws Exception {
        haltIfKilled();
        handlersRunning.incrementAndGet();
        try {
            handler.handle(this, event, context);
        } finally {
            handlersRunning.decrementAndGet();
        }
    }

    // Daemon threads: a failed soak cannot leave them behind to hold the JVM.
    static Thread daemon(Runnable task, String name) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }

    // A killed process runs nothing more: the thread stays here until the soak interrupts it.
    private static void halt() throws InterruptedException {
        Thread.sleep(Long.MAX_VALUE);
    }
}
