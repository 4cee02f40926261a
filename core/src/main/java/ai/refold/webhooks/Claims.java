package ai.refold.webhooks;

import ai.refold.webhooks.idempotency.ClaimResult;
import ai.refold.webhooks.idempotency.IdempotencyStore;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A receiver's dealings with its {@link IdempotencyStore}: claiming an event for one delivery attempt, then
 * completing or releasing that claim. Each attempt gets an owner token unique across instances (a random node id
 * and a sequence number), so that only the attempt holding a claim can end it.
 */
final class Claims {

    private final IdempotencyStore store;
    private final Duration lease;
    private final Duration retention;
    private final DeliveryLog log;
    private final String node;
    private final AtomicLong sequence = new AtomicLong();

    Claims(IdempotencyStore store, Duration lease, Duration retention, DeliveryLog log) {
        this.store = store;
        this.lease = lease;
        this.retention = retention;
        this.log = log;
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

    /** Records {@code key} as done; a failure is logged, since the handlers already ran. */
    void complete(String key, String owner) {
        try {
            if (!store.complete(key, owner, retention)) {
                log.warn("refold delivery key={} finished after its lease of {} ran out; another delivery may"
                        + " process the event again", key, lease);
            }
        } catch (RuntimeException e) {
            log.warn("refold delivery key={} was processed but could not be recorded as done: {}", key,
                    e.toString());
        }
    }

    /** Gives up the claim on {@code key} so that a retry processes the event; a failure is logged. */
    void release(String key, String owner) {
        try {
            store.release(key, owner);
        } catch (RuntimeException e) {
            log.warn("refold delivery key={} could not be released; it is retried once its lease runs out: {}",
                    key, e.toString());
        }
    }

    IdempotencyStore store() {
        return store;
    }

    Duration lease() {
        return lease;
    }

    Duration retention() {
        return retention;
    }

    DeliveryLog log() {
        return log;
    }
}
