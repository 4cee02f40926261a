package ai.refold.webhooks.spring.autoconfigure;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.IntUnaryOperator;

/**
 * Deletes a store's expired rows in bounded batches every interval, on one daemon thread that lives between
 * {@link #start()} and {@link #stop()}. Stopping never interrupts a batch under way (a DELETE cut off mid-call can
 * cost the pool its connection): no batch starts after it, and the one under way gets up to {@link #STOP_WAIT}.
 */
final class PeriodicPurge {

    /** How long {@link #stop()} waits for a batch under way: one bounded DELETE. */
    static final Duration STOP_WAIT = Duration.ofSeconds(5);

    private static final Logger LOG = LoggerFactory.getLogger(PeriodicPurge.class);

    private final String rows;
    private final IntUnaryOperator purgeBatch;
    private final Duration interval;
    private final int batchSize;
    private final Duration stopWait;
    private ScheduledThreadPoolExecutor scheduler;
    private AtomicBoolean stopped;

    /**
     * @param rows       what is purged, for the log, for example {@code expired Refold webhook rows}
     * @param purgeBatch deletes at most the given number of rows and returns how many it deleted
     * @param interval   how often to purge; zero or negative never starts a thread
     */
    PeriodicPurge(String rows, IntUnaryOperator purgeBatch, Duration interval, int batchSize) {
        this(rows, purgeBatch, interval, batchSize, STOP_WAIT);
    }

    /** As the other constructor, {@link #stop()} waiting up to {@code stopWait} for a batch under way. */
    PeriodicPurge(String rows, IntUnaryOperator purgeBatch, Duration interval, int batchSize, Duration stopWait) {
        this.rows = rows;
        this.purgeBatch = purgeBatch;
        this.interval = interval;
        this.batchSize = batchSize;
        this.stopWait = stopWait;
    }

    /** Deletes rows batch by batch until a batch comes back short; returns how many were deleted. */
    int purgeNow() {
        return purgeUntil(() -> false);
    }

    synchronized void start() {
        if (interval.isNegative() || interval.isZero() || scheduler != null) {
            return;
        }
        AtomicBoolean stop = new AtomicBoolean();
        stopped = stop;
        scheduler = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "refold-webhook-purge");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.setRemoveOnCancelPolicy(true);
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                LOG.debug("purged {} {}", purgeUntil(stop::get), rows);
            } catch (RuntimeException | Error e) { // thrown, it would cancel the schedule for good
                LOG.warn("purging {} failed; will try again: {}", rows, e.toString());
            }
        }, interval.toNanos(), interval.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Stops purging: no batch starts from now on, and the one under way, if any, gets up to the stop wait to end,
     * uninterrupted. Returns at once if the calling thread is interrupted.
     */
    void stop() {
        ScheduledThreadPoolExecutor current;
        synchronized (this) {
            current = scheduler;
            scheduler = null;
            if (current == null) {
                return;
            }
            stopped.set(true);
            current.shutdown(); // cancels the schedule; a purge under way runs on
        }
        try {
            current.awaitTermination(stopWait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    synchronized boolean isRunning() {
        return scheduler != null;
    }

    private int purgeUntil(BooleanSupplier stop) {
        int total = 0;
        int deleted;
        do {
            deleted = purgeBatch.applyAsInt(batchSize);
            total += deleted;
        } while (deleted == batchSize && !stop.getAsBoolean());
        return total;
    }
}
