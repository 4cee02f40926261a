package ai.refold.webhooks;

/** Work in flight that holds a lease in a store, renewed by the {@link Heartbeats} until it ends. */
interface Leased {

    /** Returns when the work started, by {@link System#nanoTime()}. */
    long startNanos();

    /** Renews the lease now; failures are the work's to log. */
    void renew();

    /** Returns whether the work has ended (its lease needs no renewing). */
    boolean isEnded();
}
