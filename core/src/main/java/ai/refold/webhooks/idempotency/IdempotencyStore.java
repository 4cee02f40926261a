package ai.refold.webhooks.idempotency;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * Remembers which events are being processed and which are done, so that each event is handled once although
 * Refold may deliver it several times, even at the same moment.
 *
 * <p>A key is absent, PROCESSING (held by one delivery attempt's owner token, with a lease), COMPLETED (remembered
 * until its retention runs out) or RELEASED with progress (an attempt released it after some of the event's
 * handlers had succeeded; remembered until its retention runs out, so that a retry runs only the others). Ownership
 * decides who may end a claim, not the clock: the owner completes, renews or releases its claim even after the lease
 * ran out, as long as nobody took it over; a lease that ran out only allows another delivery to take the claim over
 * ({@link ClaimResult#RECLAIMED}), after which the old owner can no longer end it.
 *
 * <p>Implementations must be thread-safe and each operation atomic. Any of them may throw
 * {@link StoreUnavailableException}; the receiver then answers 503 (or, once handlers ran, retries briefly and
 * logs). {@code IdempotencyStoreContract} in {@code refold-webhooks-test} is the suite every store runs.
 */
public interface IdempotencyStore {

    /**
     * Claims {@code key} for {@code owner} if it is absent, if its lease or retention ran out, or if it was released
     * with progress.
     *
     * @param key   the event's idempotency key
     * @param owner a token unique to this delivery attempt
     * @param lease how long the claim holds, unless renewed, before another delivery may take it over
     * @return {@link ClaimResult#CLAIMED}, {@link ClaimResult#RECLAIMED} or {@link ClaimResult#RESUMED} if
     *         {@code owner} now holds the key, otherwise what holds it
     * @throws StoreUnavailableException if the store cannot answer. The receiver then runs nothing, so a store that
     *                                   fails after its claim may have been recorded (its answer lost) should end
     *                                   that claim's lease, or the event's retries are told IN_PROGRESS for a lease
     */
    ClaimResult claim(String key, String owner, Duration lease);

    /**
     * Extends {@code owner}'s claim on {@code key} to {@code lease} from now, as a heartbeat while handlers run.
     *
     * @param key   the event's idempotency key
     * @param owner the token of the delivery attempt that claimed it
     * @param lease how long the claim now holds, counted from now
     * @return whether {@code owner} still held the claim; false if it was taken over, completed or released
     * @throws StoreUnavailableException if the store cannot answer
     */
    boolean renew(String key, String owner, Duration lease);

    /**
     * Marks {@code key} COMPLETED for {@code retention} if {@code owner} still holds its claim, even if the lease ran
     * out meanwhile.
     *
     * @param key       the event's idempotency key
     * @param owner     the token of the delivery attempt that claimed it
     * @param retention how long the key is remembered as done, so that later copies are duplicates
     * @return whether the key was completed; false if the claim was taken over or is gone
     * @throws StoreUnavailableException if the store cannot answer
     */
    boolean complete(String key, String owner, Duration retention);

    /**
     * Removes {@code owner}'s claim on {@code key}, so that the next delivery processes the event afresh.
     *
     * @param key   the event's idempotency key
     * @param owner the token of the delivery attempt that claimed it
     * @return whether the claim was removed; false if it was taken over or is gone
     * @throws StoreUnavailableException if the store cannot answer
     */
    boolean release(String key, String owner);

    /**
     * Releases {@code owner}'s claim on {@code key} but remembers, for {@code retention}, the handlers that already
     * succeeded, so that the next claim is {@link ClaimResult#RESUMED} and runs only the others. With no handler
     * named this is {@link #release(String, String)}. The default forgets the handlers (every handler runs again);
     * stores should override it. Keep each name exactly as given: besides handler names, the receiver records here
     * that the released attempt was a rerun, as a name holding a control character (which no handler name can).
     *
     * @param key          the event's idempotency key
     * @param owner        the token of the delivery attempt that claimed it
     * @param doneHandlers every handler of the event that has succeeded so far, including earlier attempts'
     * @param retention    how long the done handlers are remembered
     * @return whether {@code owner} held the claim
     * @throws StoreUnavailableException if the store cannot answer
     */
    default boolean release(String key, String owner, Set<String> doneHandlers, Duration retention) {
        return release(key, owner);
    }

    /**
     * {@return the handlers recorded as done for {@code key} by a release with progress, for a claim that came back
     * {@link ClaimResult#RESUMED} or {@link ClaimResult#RECLAIMED}; empty if none (the default)}
     *
     * @param key the event's idempotency key
     * @throws StoreUnavailableException if the store cannot answer
     */
    default Set<String> doneHandlers(String key) {
        return Set.of();
    }

    /**
     * {@return how long the current claim on {@code key} holds before it may be taken over, for a {@code Retry-After}
     * answer; empty if unknown or if the key is not being processed (the default)}
     *
     * @param key the event's idempotency key
     * @throws StoreUnavailableException if the store cannot answer
     */
    default Optional<Duration> leaseRemaining(String key) {
        return Optional.empty();
    }
}
