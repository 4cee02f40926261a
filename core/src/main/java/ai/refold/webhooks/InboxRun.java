package ai.refold.webhooks;

import ai.refold.webhooks.idempotency.InboxStore;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

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
    // NEW until a worker starts it, or until the heartbeats give it back unstarted (GIVEN_BACK): one or the other.
    private final AtomicInteger phase = new AtomicInteger(NEW);
    private static final int NEW = 0;
    private static final int STARTED = 1;
    private static final int GIVEN_BACK = 2;

    InboxRun(InboxStore store, String key, String owner, Duration lease, long startNanos, DeliveryLog log) {
        this.store = store;
        this.key = key;
        this.owner = owner;
        this.lease = lease;
        this.startNanos = startNanos;
        this.log = log;
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
        // A delivery handed over that no worker started within a lease (the workers here are all stuck in runs) is
        // given back, due at once for any instance: left to its lease, it would be taken as a crashed worker's, an
        // attempt counted and its handlers told RERUN, though none ran.
        if (phase.get() == NEW && System.nanoTime() - startNanos > lease.toNanos()) {
            if (giveBack("within a lease")) {
                log.warn("refold inbox key={} was handed over but no worker here was free within a lease: {}", key,
                        "it is due again at once, for any instance");
            }
            return;
        }
        if (ended || lost) {
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

    /** Marks that a worker runs it now; false if the heartbeats gave it back first, and it is not this worker's. */
    boolean started() {
        return phase.compareAndSet(NEW, STARTED) || phase.get() == STARTED;
    }

    /**
     * Gives it back to the store unstarted, due at once for any instance, and stops its renewals; false if a worker
     * started it first, or if the store could not take it back (logged, naming {@code when}: its lease runs out).
     */
    boolean giveBack(String when) {
        if (!phase.compareAndSet(NEW, GIVEN_BACK)) {
            return false;
        }
        lost = true;
        try {
            store.release(key, owner);
            return true;
        } catch (RuntimeException e) {
            log.warn("refold inbox key={} was handed over but not started " + when + ", and could not be given"
                    + " back; its lease runs out and another instance runs it: {}", key, e.toString());
            return false;
        }
    }

    void end() {
        ended = true;
    }
}
