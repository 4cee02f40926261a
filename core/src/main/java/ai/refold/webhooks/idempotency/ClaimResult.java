package ai.refold.webhooks.idempotency;

/** What {@link IdempotencyStore#claim} found for a key. */
public enum ClaimResult {
    /** The key was absent or its previous claim had expired: the caller now owns it and must complete or release. */
    CLAIMED,
    /** The event was already processed and is still retained: a duplicate, to acknowledge without processing. */
    COMPLETED,
    /** Another delivery of the same event holds an unexpired claim: it is being processed right now. */
    IN_PROGRESS
}
