package ai.refold.webhooks;

import ai.refold.webhooks.event.WebhookEvent;
import ai.refold.webhooks.idempotency.InboxState;

import java.time.Duration;

/**
 * Observes every delivery's final result and every handler run, for metrics or tracing. Called on the thread that
 * decided the result or ran the handler; in acknowledge-fast mode the handlers' own result is reported when they
 * finish. A listener must be fast and must not throw; an exception it throws is logged and ignored.
 */
@FunctionalInterface
public interface DeliveryListener {

    /**
     * Reports one delivery.
     *
     * @param result  what the receiver answered or, for work finished later, what became of the event
     * @param elapsed how long the receiver took, handlers included
     */
    void onDelivery(DeliveryResult result, Duration elapsed);

    /**
     * Reports one run of one handler; does nothing unless overridden.
     *
     * @param handler the handler's name, as registered (for example {@code #1} or {@code Bean.method})
     * @param event   the event it was given
     * @param elapsed how long it ran
     * @param failure what it threw, or null if it returned normally
     */
    default void onHandler(String handler, WebhookEvent event, Duration elapsed, Throwable failure) {
    }

    /**
     * Reports one attempt of an inbox worker at a stored delivery; does nothing unless overridden.
     *
     * @param key     the delivery's idempotency key
     * @param attempt the attempt's number, from 1
     * @param outcome {@code DONE}, {@code PENDING} (to be tried again) or {@code DEAD}
     * @param elapsed how long the attempt took
     */
    default void onInboxAttempt(String key, int attempt, InboxState outcome, Duration elapsed) {
    }
}
