package ai.refold.webhooks.spring.autoconfigure;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

import java.time.Duration;
import java.time.Instant;
import java.util.function.IntUnaryOperator;

/**
 * Deletes a store's expired rows in bounded batches every interval, on one daemon thread of a Spring
 * {@link ThreadPoolTaskScheduler} that lives between {@link #start()} and {@link #stop()}.
 */
final class PeriodicPurge {

    private static final Logger LOG = LoggerFactory.getLogger(PeriodicPurge.class);

    private final String rows;
    private final IntUnaryOperator purgeBatch;
    private final Duration interval;
    private final int batchSize;
    private ThreadPoolTaskScheduler scheduler;

    /**
     * @param rows       what is purged, for the log, for example {@code expired Refold webhook rows}
     * @param purgeBatch deletes at most the given number of rows and returns how many it deleted
     * @param interval   how often to purge; zero or negative never starts a thread
     */
    PeriodicPurge(String rows, IntUnaryOperator purgeBatch, Duration interval, int batchSize) {
        this.rows = rows;
        this.purgeBatch = purgeBatch;
        this.interval = interval;
        this.batchSize = batchSize;
    }

    /** Deletes rows batch by batch until a batch comes back short; returns how many were deleted. */
    int purgeNow() {
        int total = 0;
        int deleted;
        do {
            deleted = purgeBatch.applyAsInt(batchSize);
            total += deleted;
        } while (deleted == batchSize);
        return total;
    }

    synchronized void start() {
        if (interval.isNegative() || interval.isZero() || scheduler != null) {
            return;
        }
        scheduler = new ThreadPoolTaskScheduler();
        scheduler.setPoolSize(1);
        scheduler.setThreadNamePrefix("refold-webhook-purge-");
        scheduler.setDaemon(true);
        scheduler.initialize();
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                LOG.debug("purged {} {}", purgeNow(), rows);
            } catch (RuntimeException e) {
                LOG.warn("purging {} failed; will try again: {}", rows, e.toString());
            }
        }, Instant.now().plus(interval), interval);
    }

    synchronized void stop() {
        if (scheduler != null) {
            scheduler.shutdown();
            scheduler = null;
        }
    }

    synchronized boolean isRunning() {
        return scheduler != null;
    }
}
