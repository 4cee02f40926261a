package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.idempotency.IdempotencyStore;
import ai.refold.webhooks.idempotency.JdbcIdempotencyStore;

import org.springframework.context.SmartLifecycle;

/**
 * Purges expired rows of the JDBC idempotency store in bounded batches, every
 * {@code refold.webhooks.idempotency.jdbc.purge-interval}, on one daemon thread of a Spring task scheduler.
 */
public class JdbcPurgeScheduler implements SmartLifecycle {

    private final JdbcIdempotencyStore store;
    private final PeriodicPurge purge;

    JdbcPurgeScheduler(IdempotencyStore store, RefoldWebhookProperties.Jdbc settings) {
        this.store = store instanceof JdbcIdempotencyStore jdbc ? jdbc : null;
        this.purge = new PeriodicPurge("expired Refold webhook rows",
                batch -> this.store == null ? 0 : this.store.purgeExpired(batch), settings.getPurgeInterval(),
                settings.getPurgeBatchSize());
    }

    /**
     * Deletes expired rows batch by batch until a batch comes back short, on the calling thread.
     *
     * @return how many rows were deleted; 0 if the idempotency store is not the JDBC store
     */
    public int purgeNow() {
        return purge.purgeNow();
    }

    @Override
    public void start() {
        if (store != null) {
            purge.start();
        }
    }

    @Override
    public void stop() {
        purge.stop();
    }

    @Override
    public boolean isRunning() {
        return purge.isRunning();
    }
}
