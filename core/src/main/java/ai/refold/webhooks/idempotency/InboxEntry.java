package ai.refold.webhooks.idempotency;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One delivery in an {@link InboxStore}: what was received (the raw body exactly as signed, the headers handlers may
 * read, the label of the key that verified it) and where it stands. The body is copied in and out, so an entry never
 * changes. {@link #toString()} shows the key, the state and the sizes, never the body or header values.
 *
 * @param key           the event's idempotency key, unique in the inbox
 * @param eventType     the wire name of a documented event type, if the body named one
 * @param keyLabel      the label of the signing key that verified the delivery
 * @param headers       the request headers kept for handlers (names as received; never the signature)
 * @param body          the raw body
 * @param receivedAt    when it was received, by the receiving instance's clock
 * @param state         where it stands
 * @param attempts      how many attempts have ended without success so far: failed, or lost with a worker that
 *                      stopped before recording an outcome (counted when the entry is taken again)
 * @param nextAttemptAt when a pending entry is due, or a taken entry's lease runs out (by the store's clock)
 * @param doneHandlers  the handlers that succeeded in earlier attempts; a retry or a replay runs only the others
 * @param lastError     the last attempt's failure, as class and sanitized message, never a key or a body
 * @param rerun         whether an earlier attempt ended without a record (a crashed worker), so that it may have run
 *                      the handlers not yet done in full; set when such an entry is taken again, and kept through
 *                      later retries and releases, and while dead and replayed, until the entry is done
 * @param orderingKey   what the entry is ordered by, if anything: it is not taken while another entry with the
 *                      same ordering key is PROCESSING, nor, while pending, while one received before it (by
 *                      {@code receivedAt}, then key) is PENDING (see {@link InboxStore#take})
 */
public record InboxEntry(String key, Optional<String> eventType, String keyLabel, Map<String, List<String>> headers,
                         byte[] body, Instant receivedAt, InboxState state, int attempts, Instant nextAttemptAt,
                         Set<String> doneHandlers, Optional<String> lastError, boolean rerun,
                         Optional<String> orderingKey) {

    /**
     * Creates an entry, copying the headers, the body and the done handlers; stores create entries as they read
     * them, and {@link #received} creates a new delivery's.
     *
     * @param key           the event's idempotency key, unique in the inbox
     * @param eventType     the wire name of a documented event type, if the body named one
     * @param keyLabel      the label of the signing key that verified the delivery
     * @param headers       the request headers kept for handlers
     * @param body          the raw body
     * @param receivedAt    when it was received, by the receiving instance's clock
     * @param state         where it stands
     * @param attempts      how many attempts have ended without success so far, failed or lost
     * @param nextAttemptAt when a pending entry is due, or a taken entry's lease runs out
     * @param doneHandlers  the handlers that succeeded in earlier attempts
     * @param lastError     the last attempt's failure, as class and sanitized message
     * @param rerun         whether an earlier attempt ended without a record, so that it may have run the handlers
     *                      not yet done
     * @param orderingKey   what the entry is ordered by, if anything; one a store could not hold character for
     *                      character (a NUL, an unpaired surrogate, over 200 characters) is kept as its SHA-256
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if the ordering key is empty
     */
    public InboxEntry {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(eventType, "eventType");
        Objects.requireNonNull(keyLabel, "keyLabel");
        headers = Map.copyOf(headers);
        body = body.clone();
        Objects.requireNonNull(receivedAt, "receivedAt");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
        doneHandlers = Set.copyOf(doneHandlers);
        Objects.requireNonNull(lastError, "lastError");
        if (Objects.requireNonNull(orderingKey, "orderingKey").filter(String::isEmpty).isPresent()) {
            throw new IllegalArgumentException("orderingKey must not be empty");
        }
        // As a key is stored: one a store would mangle (a NUL, a lone surrogate, over 200 characters) by its hash.
        orderingKey = orderingKey.map(StandardIdempotencyKeys::storable);
    }

    /** {@return a copy of the raw body} */
    @Override
    public byte[] body() {
        return body.clone();
    }

    /**
     * {@return a delivery just received: pending, due at once, no attempt made}
     *
     * @param key        the event's idempotency key, unique in the inbox
     * @param eventType  the wire name of a documented event type, if the body named one
     * @param keyLabel   the label of the signing key that verified the delivery
     * @param headers    the request headers kept for handlers (never the signature)
     * @param body       the raw body exactly as signed; it is copied
     * @param receivedAt when it was received, by the receiving instance's clock
     * @throws NullPointerException if an argument is null
     */
    public static InboxEntry received(String key, Optional<String> eventType, String keyLabel,
                                      Map<String, List<String>> headers, byte[] body, Instant receivedAt) {
        return received(key, eventType, keyLabel, headers, body, receivedAt, Optional.empty());
    }

    /**
     * {@return a delivery just received, ordered by {@code orderingKey}: pending, due at once, no attempt made}
     *
     * @param key         the event's idempotency key, unique in the inbox
     * @param eventType   the wire name of a documented event type, if the body named one
     * @param keyLabel    the label of the signing key that verified the delivery
     * @param headers     the request headers kept for handlers (never the signature)
     * @param body        the raw body exactly as signed; it is copied
     * @param receivedAt  when it was received, by the receiving instance's clock
     * @param orderingKey what the entry is ordered by (the linked account, say), if anything
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if the ordering key is empty
     */
    public static InboxEntry received(String key, Optional<String> eventType, String keyLabel,
                                      Map<String, List<String>> headers, byte[] body, Instant receivedAt,
                                      Optional<String> orderingKey) {
        return new InboxEntry(key, eventType, keyLabel, headers, body, receivedAt, InboxState.PENDING, 0, receivedAt,
                Set.of(), Optional.empty(), false, orderingKey);
    }

    // This entry with what a store changes as it moves on; the body is copied as by every entry made.
    InboxEntry with(InboxState state, int attempts, Instant next, Set<String> doneHandlers,
                    Optional<String> lastError, boolean rerun) {
        return new InboxEntry(key, eventType, keyLabel, headers, body, receivedAt, state, attempts, next, doneHandlers,
                lastError, rerun, orderingKey);
    }

    // Only an entry that nothing orders may be stored taken: one with an ordering key may have to wait for another.
    static void checkUnordered(InboxEntry entry) {
        if (entry.orderingKey().isPresent()) {
            throw new IllegalArgumentException("an entry with an ordering key is offered due, never taken");
        }
    }

    // A copy with a body of its own, as a database hands each reader.
    InboxEntry copy() {
        return with(state, attempts, nextAttemptAt, doneHandlers, lastError, rerun);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof InboxEntry that && key.equals(that.key) && eventType.equals(that.eventType)
                && keyLabel.equals(that.keyLabel) && headers.equals(that.headers)
                && java.util.Arrays.equals(body, that.body) && receivedAt.equals(that.receivedAt)
                && state == that.state && attempts == that.attempts && nextAttemptAt.equals(that.nextAttemptAt)
                && doneHandlers.equals(that.doneHandlers) && lastError.equals(that.lastError) && rerun == that.rerun
                && orderingKey.equals(that.orderingKey);
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, state, attempts, nextAttemptAt);
    }

    @Override
    public String toString() {
        return "InboxEntry[key=" + key + ", eventType=" + eventType.orElse("-") + ", state=" + state + ", attempts="
                + attempts + ", nextAttemptAt=" + nextAttemptAt + ", body=" + body.length + " bytes, headers="
                + headers.keySet() + ", doneHandlers=" + doneHandlers + "]";
    }
}
