package ai.refold.webhooks;

import ai.refold.webhooks.idempotency.ClaimResult;
import ai.refold.webhooks.idempotency.IdempotencyKeyExtractor;
import ai.refold.webhooks.idempotency.IdempotencyStore;

import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A receiver's dealings with its {@link IdempotencyStore}: claiming an event for one delivery attempt, renewing the
 * claim while handlers run, then completing or releasing it. Each attempt gets an owner token unique across
 * instances (a random node id and a sequence number), so that only the attempt holding a claim can end it.
 *
 * <p>Completion, and the release of an attempt whose handlers ran, are retried briefly when the store fails
 * ({@link StoreRetries#PAUSES}), since the handlers already ran: a store that is back within about two seconds
 * records the outcome once. Past that the outcome is answered but not recorded, and once the claim's lease runs out a
 * later copy runs the event again as a {@link DeliveryContext.Attempt#RERUN}.
 */
final class Claims {

    private final IdempotencyStore store;
    private final Duration lease;
    private final Duration retention;
    private final Duration contentKeyRetention;
    private final DeliveryLog log;
    private final StoreRetries.Pause pause;
    private final Heartbeats heartbeats;
    private final OwnerTokens owners = new OwnerTokens();

    // Kept among the done handlers of a released rerun; no handler can have this name (names hold no control
    // character), and every store keeps the done handlers as they are given.
    static final String RERUN_MARK = "\u0001rerun";

    // The shortest lease every store takes: a claim renewed to it is as good as expired.
    private static final Duration ENDED_LEASE = Duration.ofMillis(1);

    Claims(IdempotencyStore store, Duration lease, Duration retention, Duration contentKeyRetention,
           DeliveryLog log, StoreRetries.Pause pause, boolean scheduledHeartbeats) {
        this.store = store;
        this.lease = lease;
        this.retention = retention;
        this.contentKeyRetention = contentKeyRetention;
        this.log = log;
        this.pause = pause;
        this.heartbeats = new Heartbeats(lease, log, scheduledHeartbeats);
    }

    /** Returns a token for a new delivery attempt. */
    String newOwner() {
        return owners.next();
    }

    /**
     * Claims {@code key} for {@code owner}.
     *
     * @throws RuntimeException whatever the store throws when it cannot answer
     */
    ClaimResult claim(String key, String owner) {
        return store.claim(key, owner, lease);
    }

    /**
     * Returns what earlier attempts recorded: the handlers done, and {@link #RERUN_MARK} if the last of them was a
     * rerun. Retried briefly while the store fails, since giving up answers the delivery 503 and makes its retry a
     * rerun; the store's last failure propagates. Nothing renews {@code owner}'s claim meanwhile, and the retries can
     * outlast a short lease: a read that needed them renews the claim, and throws if a copy took it over meanwhile.
     */
    Set<String> doneHandlers(String key, String owner) {
        try {
            return store.doneHandlers(key);
        } catch (RuntimeException first) {
            Set<String> recorded = StoreRetries.retry(pause, first, () -> store.doneHandlers(key));
            if (!store.renew(key, owner, lease)) {
                throw new IllegalStateException("the claim lapsed while the store was retried, and another delivery"
                        + " took it over");
            }
            return recorded;
        }
    }

    /** Returns {@code recorded} without the rerun mark: the handlers an earlier attempt ran to success. */
    static Set<String> handlersOnly(Set<String> recorded) {
        if (!recorded.contains(RERUN_MARK)) {
            return recorded;
        }
        Set<String> handlers = new HashSet<>(recorded);
        handlers.remove(RERUN_MARK);
        return Set.copyOf(handlers);
    }

    /** Returns how long another delivery's claim on {@code key} still holds, as far as the store knows. */
    Optional<Duration> leaseRemaining(String key) {
        try {
            return store.leaseRemaining(key);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    boolean renew(String key, String owner) {
        return store.renew(key, owner, lease);
    }

    /**
     * Records {@code key} as done, retrying briefly while the store fails; never throws, since the handlers already
     * ran. A claim that was taken over is logged, as is a completion the store never recorded.
     */
    void complete(String key, String owner, boolean knownLost) {
        try {
            boolean completed;
            try {
                completed = store.complete(key, owner, retentionOf(key));
            } catch (RuntimeException first) {
                completed = StoreRetries.retry(pause, first, () -> store.complete(key, owner, retentionOf(key)));
            }
            if (!completed && !knownLost) {
                log.warn("refold delivery key={} finished after another delivery took its claim over: {}", key,
                        "that delivery may run the handlers again");
            }
        } catch (RuntimeException e) {
            log.warn("refold delivery key={} was processed but could not be recorded as done; a later copy runs it"
                    + " again as a rerun: {}", key, e.toString());
        }
    }

    /**
     * Ends {@code owner}'s lease on {@code key} at once, keeping what its claim took over (the handlers an earlier
     * attempt recorded as done), so that the next delivery takes it over as a rerun; a failure is logged, and the
     * claim then frees when its lease runs out.
     */
    void endLease(String key, String owner) {
        try {
            store.renew(key, owner, ENDED_LEASE);
        } catch (RuntimeException e) {
            log.warn("refold delivery key={} could not give its claim back; it is retried once its lease runs out: {}",
                    key, e.toString());
        }
    }

    /**
     * Gives up the claim on {@code key} so that a retry processes the event, remembering the handlers that
     * succeeded so that the retry runs only the others; a failure is logged. A rerun's release is remembered as
     * one, so that the retry is a rerun too: the attempt that crashed before it may have run any handler.
     */
    void release(String key, String owner, Set<String> succeeded, DeliveryContext.Attempt attempt) {
        release(key, owner, succeeded, attempt, false);
    }

    /**
     * As {@link #release(String, String, Set, DeliveryContext.Attempt)}; {@code retried} retries it briefly while the
     * store fails, as completion is, for an attempt whose handlers ran: otherwise the claim would lapse unrecorded
     * and the retry would run again the handlers that succeeded.
     */
    void release(String key, String owner, Set<String> succeeded, DeliveryContext.Attempt attempt,
                 boolean retried) {
        if (attempt == DeliveryContext.Attempt.RERUN) {
            Set<String> marked = new HashSet<>(succeeded);
            marked.add(RERUN_MARK);
            succeeded = marked;
        }
        Set<String> recorded = succeeded;
        Supplier<Boolean> release = () -> recorded.isEmpty() ? store.release(key, owner)
                : store.release(key, owner, recorded, retentionOf(key));
        try {
            try {
                release.get();
            } catch (RuntimeException first) {
                if (!retried) {
                    throw first;
                }
                StoreRetries.retry(pause, first, release);
            }
        } catch (RuntimeException e) {
            log.warn("refold delivery key={} could not be released; it is retried once its lease runs out: {}",
                    key, e.toString());
        }
    }

    // A fingerprint of the body is not an event's identity: two equal bodies may be two events, so it is kept
    // only as long as Refold's retries of one delivery can arrive.
    Duration retentionOf(String key) {
        return key.startsWith(IdempotencyKeyExtractor.CONTENT_KEY_PREFIX) ? contentKeyRetention : retention;
    }

    Heartbeats heartbeats() {
        return heartbeats;
    }

    IdempotencyStore store() {
        return store;
    }

    Duration lease() {
        return lease;
    }

    DeliveryLog log() {
        return log;
    }
}
