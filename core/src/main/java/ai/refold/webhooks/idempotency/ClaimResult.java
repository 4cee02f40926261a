package ai.refold.webhooks.idempotency;

/** What {@link IdempotencyStore#claim} found for a key. */
public enum ClaimResult {
    /**
     * The key was absent, or what it held expired long ago (a completion whose retention ran out): the caller now
     * owns a first attempt and must complete or release it.
     */
    CLAIMED,
    /**
     * The key's previous claim was neither completed nor released before its lease ran out (its holder crashed,
     * stalled, or could not record its result): the caller took it over and now owns it, and an earlier attempt may
     * already have run some of the handlers. {@link IdempotencyStore#doneHandlers} names those it recorded.
     */
    RECLAIMED,
    /**
     * An earlier attempt released the key after some handlers had succeeded: the caller now owns it and should run
     * only the handlers {@link IdempotencyStore#doneHandlers} does not name.
     */
    RESUMED,
    /** The event was already processed and is still retained: a duplicate, to acknowledge without processing. */
    COMPLETED,
    /** Another delivery holds a live claim on the event: it is being processed right now. */
    IN_PROGRESS;

    /** {@return whether the caller now owns the key} */
    public boolean isClaimed() {
        return this == CLAIMED || this == RECLAIMED || this == RESUMED;
    }
}
