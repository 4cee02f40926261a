package ai.refold.webhooks;

import ai.refold.webhooks.event.WebhookEvent;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

/**
 * The end of a claimed delivery, reached exactly once: a 2xx status completes the claim, anything else releases it
 * so that Refold's retry processes the event again; either way the result is logged. It knows the store and the
 * log, never the receiver that made it.
 */
abstract class Completion {

    // The owner token doubles as the "not yet ended" flag: ending takes it, exactly once.
    private static final AtomicReferenceFieldUpdater<Completion, String> OWNER =
            AtomicReferenceFieldUpdater.newUpdater(Completion.class, String.class, "owner");

    final WebhookEvent event;
    final DeliveryContext context;
    private final Optional<String> keyLabel;
    private final long startNanos;
    private final Claims claims;
    private volatile String owner;

    Completion(WebhookEvent event, DeliveryContext context, Optional<String> keyLabel, String owner,
               long startNanos, Claims claims) {
        this.event = event;
        this.context = context;
        this.keyLabel = keyLabel;
        this.owner = owner;
        this.startNanos = startNanos;
        this.claims = claims;
    }

    /**
     * Ends the delivery with the status the handlers or the application reached, or with what they threw.
     *
     * @throws IllegalStateException if it was already ended
     */
    final DeliveryResult end(int status, Throwable failure) {
        String owner = takeOwner();
        String key = context.idempotencyKey();
        if (failure == null && status >= 200 && status < 300) {
            claims.complete(key, owner);
            return claims.log().log(result(Outcome.PROCESSED, status, "event processed"), startNanos, null);
        }
        claims.release(key, owner);
        String message = failure != null ? "handler failed; the event will be retried"
                : "application answered " + status + "; the event will be retried";
        int answered = failure != null || status < 400 ? 500 : status;
        return claims.log().log(result(Outcome.HANDLER_FAILED, answered, message), startNanos, failure);
    }

    /** Gives the claim back without running anything, when the work could not even be started. */
    final DeliveryResult refuse(Outcome outcome, String message, Throwable cause) {
        String owner = takeOwner();
        claims.release(context.idempotencyKey(), owner);
        return claims.log().log(result(outcome, outcome.httpStatus(), message), startNanos, cause);
    }

    /** Returns the result of this delivery with {@code outcome}, without ending it. */
    final DeliveryResult result(Outcome outcome, int status, String message) {
        return new DeliveryResult(outcome, status, message, event, context.idempotencyKey(), keyLabel, Map.of());
    }

    final long startNanos() {
        return startNanos;
    }

    private String takeOwner() {
        String taken = OWNER.getAndSet(this, null);
        if (taken == null) {
            throw new IllegalStateException("the delivery was already ended");
        }
        return taken;
    }
}
