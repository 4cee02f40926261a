package ai.refold.webhooks;

import java.time.Instant;
import java.util.Objects;

/**
 * What a handler knows about the delivery besides the event itself.
 *
 * <p>A handler's side effects should be idempotent on {@link #idempotencyKey()} (for example a unique constraint, or
 * an upsert keyed on it): the receiver runs each handler once per event, but when an attempt ends without a record
 * (the process crashed, or the store was unreachable for longer than the brief retries of completion) a later copy
 * of the event runs it again, and {@link #attempt()} then says {@link Attempt#RERUN}.
 *
 * @param idempotencyKey the key the event is deduplicated on
 * @param keyLabel       the label of the signing key that verified the delivery, for example {@code "live"}
 * @param receivedAt     when the receiver took the delivery, by its clock
 * @param headers        the request headers
 * @param attempt        whether an earlier attempt at this event may already have run this handler
 */
public record DeliveryContext(String idempotencyKey, String keyLabel, Instant receivedAt, Headers headers,
                              Attempt attempt) {

    /** Whether an earlier attempt at the same event may already have run the handler. */
    public enum Attempt {
        /** No earlier attempt at this event ran this handler to success. */
        FIRST,
        /**
         * An earlier attempt's claim ran out without being completed or released (its instance crashed or stalled,
         * or could not record the result): it may have run this handler, in part or in full.
         */
        RERUN
    }

    /**
     * Creates a context; receivers create one for each delivery they hand to handlers.
     *
     * @param idempotencyKey the key the event is deduplicated on
     * @param keyLabel       the label of the signing key that verified the delivery
     * @param receivedAt     when the receiver took the delivery, by its clock
     * @param headers        the request headers
     * @param attempt        whether an earlier attempt at this event may already have run this handler
     * @throws NullPointerException if an argument is null
     */
    public DeliveryContext {
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        Objects.requireNonNull(keyLabel, "keyLabel");
        Objects.requireNonNull(receivedAt, "receivedAt");
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(attempt, "attempt");
    }

    /** {@return whether an earlier attempt may already have run the handler; see {@link Attempt#RERUN}} */
    public boolean isRerun() {
        return attempt == Attempt.RERUN;
    }
}
