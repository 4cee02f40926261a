package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.idempotency.IdempotencyStore;
import ai.refold.webhooks.idempotency.JdbcIdempotencyStore;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Purges expired rows of the JDBC idempotency store in bounded batches, every
 * {@code refold.webhooks.idempotency.jdbc.purge-interval}, on one daemon thread.
 */
public class JdbcPurgeScheduler implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcPurgeScheduler.class);

    private final JdbcIdempotencyStore store;
    private final RefoldWebhookProperties.Jdbc settings;
    private ScheduledExecutorService scheduler;

    JdbcPurgeScheduler(IdempotencyStore store, RefoldWebhookProperties.Jdbc settings) {
        this.store = store instanceof JdbcIdempotencyStore jdbc ? jdbc : null;
        this.settings = settings;
    }

    /** Deletes expired rows batch by batch until a batch comes back short; returns how many were deleted. */
    public int purgeNow() {
        if (store == null) {
            return 0;
        }
        int batch = settings.getPurgeBatchSize();
        int total = 0;
        int deleted;
        do {
            deleted = store.purgeExpired(batch);
            total += deleted;
        } while (deleted == batch);
        return total;
    }

    @Override
    public synchronized void start() {
        long every = settings.getPurgeInterval().toMillis();
        if (store == null || every <= 0 || scheduler != null) {
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "refold-webhook-purge");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                int deleted = purgeNow();
                LOG.debug("purged {} expired Refold webhook rows", deleted);
            } catch (RuntimeException e) {
                LOG.warn("purging expired Refold webhook rows failed; will try again: {}", e.toString());
            }
        }, every, every, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void stop() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return scheduler != null;
    }
}
