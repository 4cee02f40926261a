package ai.refold.webhooks;

import ai.refold.webhooks.event.WebhookEvent;
import ai.refold.webhooks.idempotency.IdempotencyStore;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The first half of a delivery, for adapters that hand the event to the application's own code instead of to
 * registered handlers (the servlet filter's forward mode). {@link WebhookReceiver#admit} verifies, parses and
 * claims; either the delivery is {@linkplain #isAdmitted() admitted}, and the caller must end it exactly once with
 * {@link #finish(int)} or {@link #fail(Throwable)}, or it is not, and {@link #rejection()} is the answer to give
 * (which includes a duplicate's 200).
 */
public final class Admission {

    private final WebhookReceiver receiver;
    private final DeliveryResult rejection;
    private final WebhookEvent event;
    private final DeliveryContext context;
    private final String owner;
    private final long startNanos;
    private final AtomicBoolean ended = new AtomicBoolean();

    private Admission(WebhookReceiver receiver, DeliveryResult rejection, WebhookEvent event,
                      DeliveryContext context, String owner, long startNanos) {
        this.receiver = receiver;
        this.rejection = rejection;
        this.event = event;
        this.context = context;
        this.owner = owner;
        this.startNanos = startNanos;
    }

    static Admission rejected(DeliveryResult result) {
        return new Admission(null, result, null, null, null, 0);
    }

    static Admission admitted(WebhookReceiver receiver, WebhookEvent event, DeliveryContext context, String owner,
                              long startNanos) {
        return new Admission(receiver, null, event, context, owner, startNanos);
    }

    /** Returns whether the event was claimed and must now be processed by the caller. */
    public boolean isAdmitted() {
        return rejection == null;
    }

    /**
     * Returns the answer for a delivery that was not admitted.
     *
     * @throws IllegalStateException if the delivery was admitted
     */
    public DeliveryResult rejection() {
        if (rejection == null) {
            throw new IllegalStateException("the delivery was admitted; end it with finish or fail");
        }
        return rejection;
    }

    /**
     * Returns the admitted event.
     *
     * @throws IllegalStateException if the delivery was not admitted
     */
    public WebhookEvent event() {
        requireAdmitted();
        return event;
    }

    /**
     * Returns the admitted delivery's context.
     *
     * @throws IllegalStateException if the delivery was not admitted
     */
    public DeliveryContext context() {
        requireAdmitted();
        return context;
    }

    /**
     * Ends an admitted delivery with the status the application answered: a 2xx status records the event as done,
     * any other releases it so that Refold's retry processes it again.
     *
     * @return the result, carrying {@code status}
     * @throws IllegalStateException    if the delivery was not admitted or was already ended
     * @throws IllegalArgumentException if {@code status} is not an HTTP status
     */
    public DeliveryResult finish(int status) {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("not an HTTP status: " + status);
        }
        return finishInternal(status, null);
    }

    /**
     * Ends an admitted delivery whose processing threw: releases the event so that Refold's retry processes it.
     *
     * @return a result with status 500
     * @throws IllegalStateException if the delivery was not admitted or was already ended
     */
    public DeliveryResult fail(Throwable failure) {
        Objects.requireNonNull(failure, "failure");
        return finishInternal(500, failure);
    }

    DeliveryResult finishInternal(int status, Throwable failure) {
        end();
        return receiver.finishAdmitted(event, context, owner, startNanos, status, failure);
    }

    void releaseInternal(IdempotencyStore store) {
        end();
        store.release(context.idempotencyKey(), owner);
    }

    long startNanos() {
        return startNanos;
    }

    private void end() {
        requireAdmitted();
        if (!ended.compareAndSet(false, true)) {
            throw new IllegalStateException("the delivery was already ended");
        }
    }

    private void requireAdmitted() {
        if (rejection != null) {
            throw new IllegalStateException("the delivery was not admitted: " + rejection.outcome().code());
        }
    }

    @Override
    public String toString() {
        return isAdmitted()
                ? "Admission[admitted, key=" + context.idempotencyKey() + "]"
                : "Admission[rejected, " + rejection.outcome().code() + "]";
    }
}
