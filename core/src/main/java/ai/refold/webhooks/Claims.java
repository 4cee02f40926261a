package ai.refold.webhooks;

import ai.refold.webhooks.idempotency.ClaimResult;
import ai.refold.webhooks.idempotency.IdempotencyKeyExtractor;
import ai.refold.webhooks.idempotency.IdempotencyStore;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A receiver's dealings with its {@link IdempotencyStore}: claiming an event for one delivery attempt, renewing the
 * claim while handlers run, then completing or releasing it. Each attempt gets an owner token unique across
 * instances (a random node id and a sequence number), so that only the attempt holding a claim can end it.
 *
 * <p>Completion is retried briefly when the store fails ({@link #COMPLETION_PAUSES}), since the handlers already
 * ran: a store that is back within about two seconds records the event once. Past that the event is answered as
 * processed but not recorded, and a later copy runs it again as a {@link DeliveryContext.Attempt#RERUN}.
 */
final class Claims {

    /** The pauses before each retry of a completion the store failed: 0.1 s, 0.4 s, then 1.5 s. */
    static final Duration[] COMPLETION_PAUSES = {
        Duration.ofMillis(100), Duration.ofMillis(400), Duration.ofMillis(1500)
    };

    /** Waits between retries; tests make time pass instead of sleeping. */
    @FunctionalInterface
    interface Pause {
        void pause(Duration duration) throws InterruptedException;
    }

    private final IdempotencyStore store;
    private final Duration lease;
    private final Duration retention;
    private final Duration contentKeyRetention;
    private final DeliveryLog log;
    private final Pause pause;
    private final Heartbeats heartbeats;
    private final String node;
    private final AtomicLong sequence = new AtomicLong();

    Claims(IdempotencyStore store, Duration lease, Duration retention, Duration contentKeyRetention,
           DeliveryLog log, Pause pause, boolean scheduledHeartbeats) {
        this.store = store;
        this.lease = lease;
        this.retention = retention;
        this.contentKeyRetention = contentKeyRetention;
        this.log = log;
        this.pause = pause;
        this.heartbeats = new Heartbeats(lease, log, scheduledHeartbeats);
        byte[] nodeBytes = new byte[6];
        new SecureRandom().nextBytes(nodeBytes);
        // 48 random bits in 8 characters: tokens stay short (one small string per delivery) yet unique across
        // instances; '.' is outside the base64url alphabet, so node and sequence cannot run together.
        this.node = Base64.getUrlEncoder().withoutPadding().encodeToString(nodeBytes) + '.';
    }

    /** Returns a token for a new delivery attempt. */
    String newOwner() {
        return node + sequence.incrementAndGet();
    }

    /**
     * Claims {@code key} for {@code owner}.
     *
     * @throws RuntimeException whatever the store throws when it cannot answer
     */
    ClaimResult claim(String key, String owner) {
        return store.claim(key, owner, lease);
    }

    /** Returns the handlers an earlier attempt recorded as done; the store's failure propagates. */
    Set<String> doneHandlers(String key) {
        return store.doneHandlers(key);
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
        RuntimeException failure = null;
        for (int attempt = 0; attempt <= COMPLETION_PAUSES.length; attempt++) {
            try {
                if (attempt > 0) {
                    pause.pause(COMPLETION_PAUSES[attempt - 1]);
                }
                if (!store.complete(key, owner, retentionOf(key)) && !knownLost) {
                    log.warn("refold delivery key={} finished after another delivery took its claim over: {}", key,
                            "that delivery may run the handlers again");
                }
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        log.warn("refold delivery key={} was processed but could not be recorded as done; a later copy runs it again"
                + " as a rerun: {}", key, String.valueOf(failure));
    }

    /**
     * Gives up the claim on {@code key} so that a retry processes the event, remembering the handlers that
     * succeeded so that the retry runs only the others; a failure is logged.
     */
    void release(String key, String owner, Set<String> succeeded) {
        try {
            if (succeeded.isEmpty()) {
                store.release(key, owner);
            } else {
                store.release(key, owner, succeeded, retentionOf(key));
            }
        } catch (RuntimeException e) {
            log.warn("refold delivery key={} could not be released; it is retried once its lease runs out: {}",
                    key, e.toString());
        }
    }

    // A fingerprint of the body is not an event's identity: two equal bodies may be two events, so it is kept
    // only as long as Refold's retries of one delivery can arrive.
    private Duration retentionOf(String key) {
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
