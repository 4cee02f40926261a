package ai.refold.webhooks;

import ai.refold.webhooks.event.WebhookEvent;

/**
 * Reacts to one kind of event. A handler that returns normally has handled the event; one that throws makes the
 * receiver answer 500 and release the event, so that Refold's retry brings it back.
 *
 * @param <E> the events this handler takes
 */
@FunctionalInterface
public interface EventHandler<E extends WebhookEvent> {

    /**
     * Handles {@code event}.
     *
     * @param event   the event to handle
     * @param context what is known about the delivery: its idempotency key, signing key, receive time and headers
     * @throws Exception to have the delivery retried
     */
    void handle(E event, DeliveryContext context) throws Exception;
}
