package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.idempotency.InboxStore;

import org.springframework.context.SmartLifecycle;

/**
 * Deletes handled inbox deliveries whose retention ran out, in bounded batches, every
 * {@code refold.webhooks.inbox.purge-interval}; dead letters stay until they are replayed or discarded.
 */
final class InboxPurgeScheduler implements SmartLifecycle {

    private final PeriodicPurge purge;

    InboxPurgeScheduler(InboxStore store, RefoldInboxProperties settings) {
        this.purge = new PeriodicPurge("handled Refold inbox deliveries", store::purge, settings.getPurgeInterval(),
                settings.getPurgeBatchSize());
    }

    /** Deletes expired handled deliveries batch by batch until a batch comes back short; returns how many. */
    int purgeNow() {
        return purge.purgeNow();
    }

    @Override
    public void start() {
        purge.start();
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
