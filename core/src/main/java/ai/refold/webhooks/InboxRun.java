package ai.refold.webhooks;

import ai.refold.webhooks.idempotency.InboxStore;

import java.time.Duration;

/** An inbox entry a worker is running: the heartbeats renew its lease until it ends. */
final class InboxRun implements Leased {

    private final InboxStore store;
    private final String key;
    private final String owner;
    private final Duration lease;
    private final long startNanos;
    private final DeliveryLog log;
    private volatile boolean ended;
    private volatile boolean recording;
    private volatile boolean lost;
    private volatile boolean started;

    InboxRun(InboxStore store, String key, String owner, Duration lease, long startNanos, DeliveryLog log) {
        this.store = store;
        this.key = key;
        this.owner = owner;
        this.lease = lease;
        this.startNanos = startNanos;
        this.log = log;
    }

    InboxStore store() {
        return store;
    }

    String owner() {
        return owner;
    }

    @Override
    public long startNanos() {
        return startNanos;
    }

    @Override
    public void renew() {
        // A delivery handed over that no worker started within a lease is left to it: the workers here are all
        // stuck in runs, and once the lease runs out another instance takes it.
        if (ended || lost || !started && System.nanoTime() - startNanos > lease.toNanos()) {
            return;
        }
        try {
            // Refused once the outcome is being recorded: most likely recorded a moment ago, not taken over (had it
            // been, the record says so).
            if (!store.renew(key, owner, lease) && !ended && !recording) {
                lost = true;
                log.warn("refold inbox key={} lost its lease while its handlers ran: {}", key,
                        "another worker took it over, and may run them too");
            }
        } catch (RuntimeException e) {
            log.warn("refold inbox key={} could not renew its lease: {}", key, e.toString());
        }
    }

    @Override
    public boolean isEnded() {
        return ended;
    }

    boolean isLost() {
        return lost;
    }

    /** Marks that the handlers are over and the outcome is being recorded; renewals go on until {@link #end}. */
    void recording() {
        recording = true;
    }

    /** Marks that a worker runs it now. */
    void started() {
        started = true;
    }

    void end() {
        ended = true;
    }
}
