package ai.refold.webhooks.idempotency;

/** Where a delivery stands in an {@link InboxStore}. */
public enum InboxState {
    /** Stored and waiting for its next attempt, due at {@link InboxEntry#nextAttemptAt()}. */
    PENDING,
    /** Taken by a worker, whose lease runs until {@link InboxEntry#nextAttemptAt()} unless renewed. */
    PROCESSING,
    /** Handled; kept until its retention runs out so that later copies are duplicates. */
    DONE,
    /** Failed every attempt; kept until replayed or discarded. */
    DEAD
}
