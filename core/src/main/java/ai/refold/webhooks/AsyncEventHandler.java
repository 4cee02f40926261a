package ai.refold.webhooks;

import ai.refold.webhooks.event.WebhookEvent;

import java.util.concurrent.CompletionStage;

/**
 * Reacts to one kind of event with work that finishes later: a call to another service, a reactive repository.
 * The receiver treats the returned stage as a synchronous {@link EventHandler}'s return or throw: a stage that
 * completes normally has handled the event; one that completes exceptionally (or is cancelled), a handler that throws
 * before returning one, or a null stage makes the receiver answer 500 and release the event, so that Refold's retry
 * brings it back. The claim stays renewed while the stage is pending, and the next handler runs only once it has
 * completed.
 *
 * <p>A receiver that answers from a stream ({@link WebhookReceiver#receive}, {@link IncomingDelivery#finish()}) waits
 * for the stage on the calling thread, as acknowledge-fast mode and the inbox's workers wait on theirs; {@link IncomingDelivery#finishAsync} waits for it without holding a thread and
 * resumes on its executor, never on the thread that completed the stage. A stage that never completes holds its
 * delivery as a handler that never returns would: bound it with {@code orTimeout} or the reactive library's timeout.
 *
 * @param <E> the events this handler takes
 */
@FunctionalInterface
public interface AsyncEventHandler<E extends WebhookEvent> {

    /**
     * Starts handling {@code event} and returns the stage that completes when it is handled.
     *
     * @param event   the event to handle
     * @param context what is known about the delivery: its idempotency key, signing key, receive time and headers
     * @return a stage that completes normally once the event is handled, or exceptionally to have it retried
     * @throws Exception to have the delivery retried, as a failed stage does
     */
    CompletionStage<?> handle(E event, DeliveryContext context) throws Exception;
}
