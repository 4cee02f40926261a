package ai.refold.webhooks.idempotency;

import java.time.Duration;

/**
 * Remembers which events are being processed and which are done, so that each event is handled once although
 * Refold may deliver it several times, even at the same moment.
 *
 * <p>A key is absent, PROCESSING (owned by one delivery's token until its lease expires) or COMPLETED (until its
 * retention expires). An expired entry counts as absent. Only the owner of a PROCESSING entry may complete or
 * release it, so a slow delivery whose lease ran out cannot overwrite the claim of the delivery that took over.
 *
 * <p>Implementations must be thread-safe and each operation atomic. Any of them may throw
 * {@link StoreUnavailableException}; the receiver then answers 503 and runs no handler.
 */
public interface IdempotencyStore {

    /**
     * Claims {@code key} for {@code owner} if it is absent or expired.
     *
     * @param key   the event's idempotency key
     * @param owner a token unique to this delivery attempt
     * @param lease how long the claim holds before another delivery may take it over
     * @return {@link ClaimResult#CLAIMED} if {@code owner} now holds the key, otherwise what holds it
     * @throws StoreUnavailableException if the store cannot answer
     */
    ClaimResult claim(String key, String owner, Duration lease);

    /**
     * Marks {@code key} COMPLETED for {@code retention} if {@code owner} still holds its claim.
     *
     * @return whether the key was completed; false if the claim was lost (expired and taken over, or gone)
     * @throws StoreUnavailableException if the store cannot answer
     */
    boolean complete(String key, String owner, Duration retention);

    /**
     * Removes the claim on {@code key} if {@code owner} still holds it, so that the next delivery processes the event.
     *
     * @return whether the claim was removed
     * @throws StoreUnavailableException if the store cannot answer
     */
    boolean release(String key, String owner);
}
