package ai.refold.webhooks;

import ai.refold.webhooks.event.WebhookEvent;

import java.util.Objects;
import java.util.Set;

/**
 * The first half of a delivery, for adapters that hand the event to the application's own code instead of to
 * registered handlers (the servlet filter's forward mode). {@link WebhookReceiver#admit} verifies, parses and
 * claims; the delivery is then either {@link Admitted}, and the caller must end it exactly once with
 * {@link Admitted#finish(int)}, {@link Admitted#fail(Throwable)} or {@link Admitted#failRethrown(Throwable)}, or
 * {@link Answered} by the receiver itself, and
 * {@link Answered#result()} is the answer to give: a refusal, a duplicate's 200, or, in inbox mode, the 200 of a
 * delivery stored for the inbox's workers (an inbox-mode receiver admits nothing for the caller to process).
 *
 * <pre>{@code
 * Admission admission = receiver.admit(request);
 * if (admission instanceof Admission.Answered answered) {
 *     return answered.result();
 * }
 * Admission.Admitted admitted = (Admission.Admitted) admission;
 * try {
 *     int status = application.process(admitted.event(), admitted.context());
 *     return admitted.finish(status);
 * } catch (RuntimeException e) {
 *     return admitted.fail(e);
 * }
 * }</pre>
 */
public sealed interface Admission permits Admission.Admitted, Admission.Answered {

    /** {@return whether the event was claimed and must now be processed and ended by the caller} */
    boolean isAdmitted();

    /**
     * A delivery the receiver answered itself, not admitted for the caller to process, and the answer to give.
     *
     * @param result the answer
     */
    record Answered(DeliveryResult result) implements Admission {

        /**
         * Creates an answered admission.
         *
         * @param result the answer to give the sender
         * @throws NullPointerException if {@code result} is null
         */
        public Answered {
            Objects.requireNonNull(result, "result");
        }

        @Override
        public boolean isAdmitted() {
            return false;
        }
    }

    /** A verified, parsed and claimed delivery, which its caller must end exactly once. */
    final class Admitted extends Completion implements Admission {

        Admitted(WebhookEvent event, DeliveryContext context, Set<String> done, String owner, long startNanos,
                 Claims claims) {
            super(event, context, done, owner, startNanos, claims);
        }

        @Override
        public boolean isAdmitted() {
            return true;
        }

        /** {@return the event} */
        public WebhookEvent event() {
            return event;
        }

        /** {@return the delivery's context} */
        public DeliveryContext context() {
            return context;
        }

        /**
         * Ends the delivery with the status the application answered: a 2xx status records the event as done, any
         * other releases it so that Refold's retry processes it again.
         *
         * @param status the HTTP status the application answered, 100 to 599
         * @return the result, carrying {@code status} (500 for a 1xx or 3xx status)
         * @throws IllegalStateException    if the delivery was already ended
         * @throws IllegalArgumentException if {@code status} is not an HTTP status
         */
        public DeliveryResult finish(int status) {
            if (status < 100 || status > 599) {
                throw new IllegalArgumentException("not an HTTP status: " + status);
            }
            return end(status, null, done);
        }

        /**
         * Ends the delivery whose processing threw: releases the event so that Refold's retry processes it.
         *
         * @param failure what the processing threw; it is reported to the receiver's listeners
         * @return a result with status 500
         * @throws NullPointerException  if {@code failure} is null
         * @throws IllegalStateException if the delivery was already ended
         */
        public DeliveryResult fail(Throwable failure) {
            Objects.requireNonNull(failure, "failure");
            return end(500, failure, done);
        }

        /**
         * Ends the delivery whose processing threw, as {@link #fail(Throwable)} does, when the caller then rethrows
         * {@code failure} to code that logs it with its stack trace (a servlet container, or a framework's error
         * handling): the delivery line records the outcome and names the failure, without printing its stack trace a
         * second time.
         *
         * @param failure what the processing threw, and the caller rethrows; it is reported to the listeners
         * @return a result with status 500
         * @throws NullPointerException  if {@code failure} is null
         * @throws IllegalStateException if the delivery was already ended
         */
        public DeliveryResult failRethrown(Throwable failure) {
            Objects.requireNonNull(failure, "failure");
            return end(500, failure, done, true);
        }

        @Override
        public String toString() {
            return "Admission.Admitted[key=" + context.idempotencyKey() + "]";
        }
    }
}
