package ai.refold.webhooks;

import ai.refold.webhooks.idempotency.InboxStore;
import ai.refold.webhooks.idempotency.JdbcInboxStore;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The loops of an inbox's workers, one long-lived task each on the inbox's executor: started, left once the inbox
 * stops taking (it closes or pauses), and counted, so that close and pause can wait for them and a resume starts
 * again exactly those that left. A loop leaves only under this lock, after looking at whether the inbox takes again:
 * a worker whose loop ended just as a resume came goes on instead of being lost, and none runs twice.
 */
final class InboxLoops {

    private final List<InboxWorker> workers;
    private final Executor executor;
    private final BooleanSupplier taking;
    private final boolean[] looping;
    private int running;

    InboxLoops(List<InboxWorker> workers, Executor executor, BooleanSupplier taking) {
        this.workers = workers;
        this.executor = executor;
        this.taking = taking;
        this.looping = new boolean[workers.size()];
    }

    /**
     * Warns, once when the inbox is built, if its JDBC store's pool has no more connections than there are workers:
     * handlers on the same pool can hold one connection per worker, and with none left leases lapse and runs repeat.
     */
    static void warnIfPoolTooSmall(InboxStore store, int workers, DeliveryLog log) {
        int connections = store instanceof JdbcInboxStore jdbc ? jdbc.maximumConnections().orElse(Integer.MAX_VALUE)
                : Integer.MAX_VALUE;
        if (connections <= workers) {
            log.config("refold inbox runs {} workers on a pool of at most {} connections: handlers that use the same"
                    + " pool can hold them all, leaving none to renew leases (they run out, and another instance runs"
                    + " those deliveries again) or to store new deliveries (answered 503 once the pool's connection"
                    + " timeout ends); give the pool at least workers + 1 connections, or the inbox a pool of its own",
                    workers, connections);
        }
    }

    /** Returns daemon threads of the receiver's own, one per loop: the executor unless the options name one. */
    static Executor ownThreads() {
        ThreadFactory threads = Heartbeats.daemon("refold-webhook-inbox");
        return task -> threads.newThread(task).start();
    }

    /**
     * Starts a loop for every worker that has none running.
     *
     * @throws RuntimeException what the executor threw when refusing a loop; the workers it refused have none
     */
    synchronized void start() {
        start(executor);
    }

    // Starts a loop, on `on`, for every worker that has none running; throws what `on` threw refusing one.
    private synchronized void start(Executor on) {
        for (int i = 0; i < looping.length; i++) {
            if (!looping[i]) {
                startLoop(i, on);
            }
        }
    }

    /**
     * Starts again the loops a pause ended, for a close that drains (closing, they take nothing, only run what is
     * held), on threads of the receiver's own: a framework that paused the workers may have paused their executor too.
     */
    void restartToDrain(DeliveryLog log) {
        try {
            start(ownThreads());
        } catch (RuntimeException e) {
            log.warn("refold inbox could not restart its paused workers to drain at close{}: {}", "", e.toString());
        }
    }

    private void startLoop(int index, Executor executor) {
        InboxWorker worker = workers.get(index);
        looping[index] = true;
        running++;
        try {
            executor.execute(() -> {
                boolean left = false;
                try {
                    while (!left) {
                        worker.loop();
                        left = leave(index, false);
                    }
                } finally {
                    if (!left) {
                        leave(index, true);
                    }
                }
            });
        } catch (RuntimeException | Error e) {
            looping[index] = false;
            running--;
            throw e;
        }
    }

    // Ends a worker's loop, unless the inbox takes again (and not `anyway`): then it loops on.
    private synchronized boolean leave(int index, boolean anyway) {
        if (!anyway && taking.getAsBoolean()) {
            return false;
        }
        looping[index] = false;
        running--;
        notifyAll();
        return true;
    }

    /** Returns the {@link System#nanoTime()} at which a wait of {@code timeout} from now ends, a year at most. */
    static long deadline(Duration timeout) {
        return System.nanoTime() + Math.min(timeout.toMillis(), TimeUnit.DAYS.toMillis(365)) * 1_000_000;
    }

    /** Waits up to {@code timeout} for every loop to end; returns whether they all did. */
    synchronized boolean awaitEnded(Duration timeout) throws InterruptedException {
        long deadline = deadline(timeout);
        while (running > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }
}
