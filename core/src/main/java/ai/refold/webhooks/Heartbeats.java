package ai.refold.webhooks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Renews the lease of everything in flight (a claimed delivery running its handlers or queued for them, an inbox entry
 * a worker runs) while it lasts, so that the lease can be short: a crashed instance stops renewing, and its claims free
 * within one lease, inside Refold's retry window. One daemon thread per receiver, started with the first claim, sweeps
 * every third of the lease and has every claim in flight renewed, so that none goes longer than that unrenewed. The
 * renewals run on a few threads of their own, so that one the store answers slowly (a locked row, a stalled
 * connection) delays only itself, not the claims after it, whose leases would lapse while their handlers still run;
 * a claim whose last renewal has not ended is not renewed again meanwhile. Registering is a compare-and-set in a fixed
 * table and unregistering a plain store, so a delivery allocates nothing for it; past the table's capacity deliveries
 * go to an overflow set.
 */
final class Heartbeats {

    private static final int CAPACITY = 4096;
    // Renewals at once: a few stalled ones leave the rest on time, without taking many of the store's connections.
    private static final int RENEWAL_THREADS = 4;
    // How long a close waits for a renewal under way: one store call, which a short lease makes pointless beyond.
    static final Duration CLOSE_WAIT = Duration.ofSeconds(1);

    private final AtomicReferenceArray<Leased> slots = new AtomicReferenceArray<>(CAPACITY);
    private final Set<Leased> overflow = ConcurrentHashMap.newKeySet();
    private final long periodNanos;
    private final DeliveryLog log;
    private final boolean scheduled;
    private final ThreadFactory renewalThreads;
    private final Set<Leased> renewing = ConcurrentHashMap.newKeySet();
    private volatile ScheduledExecutorService timer;
    private volatile ThreadPoolExecutor renewals;
    private volatile boolean closed;

    /**
     * @param scheduled whether a daemon thread sweeps by itself; tests that move time by hand call {@link #renewAll}
     *                  instead
     */
    Heartbeats(Duration lease, DeliveryLog log, boolean scheduled) {
        this(lease, log, scheduled, daemon("refold-webhook-renewal"));
    }

    /** As {@link #Heartbeats(Duration, DeliveryLog, boolean)}, its renewal threads made by {@code renewalThreads}. */
    Heartbeats(Duration lease, DeliveryLog log, boolean scheduled, ThreadFactory renewalThreads) {
        this.renewalThreads = renewalThreads;
        this.scheduled = scheduled;
        this.log = log;
        this.periodNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(10), lease.toNanos() / 3);
    }

    /** Returns how long apart the sweeps renew everything in flight: a third of the lease, at least 10 ms. */
    long periodNanos() {
        return periodNanos;
    }

    /** Starts renewing {@code completion}'s claim; returns its slot for {@link #unregister}. */
    int register(Leased completion) {
        if (timer == null && scheduled) {
            startTimer();
        }
        int start = (int) (completion.startNanos() & (CAPACITY - 1));
        for (int i = 0; i < CAPACITY; i++) {
            int slot = (start + i) & (CAPACITY - 1);
            if (slots.get(slot) == null && slots.compareAndSet(slot, null, completion)) {
                return slot;
            }
        }
        overflow.add(completion);
        return -1;
    }

    /**
     * Stops renewing {@code completion}'s claim, on a thread that knows its slot for sure: the thread that registered
     * it, or one it was handed to. Called once at most for each registration (the caller's to ensure): only
     * {@link #register} fills a slot, and only an empty one, so the slot still holds {@code completion}, and a plain
     * store empties it.
     */
    void unregister(Leased completion, int slot) {
        if (slot < 0) {
            overflow.remove(completion);
        } else {
            slots.setRelease(slot, null);
        }
    }

    /**
     * Stops renewing {@code completion}'s claim, on a thread that found it in flight (a heartbeat, a shutdown), which
     * may have found it before its constructor stored {@code slot}, and read a slot that is not its own: looks for it
     * when it is not there. Called once at most for each registration, as {@link #unregister}.
     */
    void unregisterFound(Leased completion, int slot) {
        if (slot >= 0 && slots.compareAndSet(slot, completion, null)) {
            return;
        }
        for (int i = 0; i < CAPACITY; i++) {
            if (slots.get(i) == completion && slots.compareAndSet(i, completion, null)) {
                return;
            }
        }
        overflow.remove(completion);
    }

    /** Returns the deliveries in flight now. */
    List<Leased> inFlight() {
        List<Leased> all = new ArrayList<>(overflow);
        for (int slot = 0; slot < CAPACITY; slot++) {
            Leased completion = slots.get(slot);
            if (completion != null) {
                all.add(completion);
            }
        }
        return all;
    }

    /** Stops the sweeps as {@link #close(Duration)} does, waiting up to {@link #CLOSE_WAIT} for a renewal under way. */
    void close() {
        close(CLOSE_WAIT);
    }

    /**
     * Stops the sweeps; claims still in flight are no longer renewed. A renewal under way is not interrupted (a JDBC
     * statement cut off mid-call can cost the pool its connection, or an embedded database its file): it gets up to
     * {@code wait} to end, and renewals not yet started are dropped. Returns at once if the calling thread is
     * interrupted.
     */
    void close(Duration wait) {
        ThreadPoolExecutor running;
        synchronized (this) {
            closed = true;
            if (timer == null) {
                return;
            }
            timer.shutdownNow(); // a sweep only hands renewals over: interrupting it cuts off no store call
            running = renewals;
            running.shutdown();
            running.getQueue().clear();
        }
        try {
            running.awaitTermination(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // Renews every claim in flight, however young, one after another on the calling thread: the scheduled sweep
    // (sweepQuietly) does the same on the renewal threads. Skipping claims younger than a period would leave one
    // admitted just after a sweep unrenewed for up to two periods, two thirds of its lease, and a stalled heartbeat
    // thread only a third of the lease before a copy may take a running claim over. A delivery that ends within a
    // period costs an extra renewal only if a sweep falls inside it.
    void sweep() {
        for (Leased completion : inFlight()) {
            completion.renew();
        }
    }

    /** Renews every claim in flight now, as a sweep does; for tests that drive the heartbeats by hand. */
    void renewAll() {
        sweep();
    }

    private synchronized void startTimer() {
        if (timer != null || closed) {
            return;
        }
        ThreadPoolExecutor pool = new ThreadPoolExecutor(RENEWAL_THREADS, RENEWAL_THREADS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), renewalThreads);
        pool.allowCoreThreadTimeOut(true);
        renewals = pool;
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, daemon("refold-webhook-heartbeat"));
        executor.setRemoveOnCancelPolicy(true);
        executor.scheduleAtFixedRate(this::sweepQuietly, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
        timer = executor;
    }

    /** Returns a factory of daemon threads named {@code name}: the SDK's threads never keep a JVM alive. */
    static ThreadFactory daemon(String name) {
        return task -> {
            Thread thread = new Thread(task, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    // Hands each claim in flight to the renewal threads, unless its last renewal is still running. A sweep that threw
    // would cancel the schedule for good, an Error too (a renewal thread that cannot start is an OutOfMemoryError);
    // each renewal handles its own failures, so the catch is a last guard.
    private void sweepQuietly() {
        try {
            for (Leased completion : inFlight()) {
                if (renewing.add(completion)) {
                    try {
                        renewals.execute(() -> {
                            try {
                                completion.renew();
                            } finally {
                                renewing.remove(completion);
                            }
                        });
                    } catch (RuntimeException | Error e) {
                        renewing.remove(completion); // never handed over: left marked, it would never be again
                        throw e;
                    }
                }
            }
        } catch (RuntimeException | Error e) {
            if (!closed) { // a sweep under way at close finds the renewal threads shut down: nothing failed
                log.warn("refold heartbeat sweep failed{}: {}", "", e.toString());
            }
        }
    }
}
