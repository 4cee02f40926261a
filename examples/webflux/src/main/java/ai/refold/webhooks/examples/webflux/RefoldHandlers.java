package ai.refold.webhooks.examples.webflux;

import ai.refold.webhooks.DeliveryContext;
import ai.refold.webhooks.event.ConnectionCreated;
import ai.refold.webhooks.event.ConnectionDeleted;
import ai.refold.webhooks.event.ConnectionExpired;
import ai.refold.webhooks.event.UnknownEvent;
import ai.refold.webhooks.event.WorkflowCompleted;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.examples.ExampleActions;
import ai.refold.webhooks.examples.ProcessedEvents;
import ai.refold.webhooks.spring.RefoldWebhook;

import org.springframework.stereotype.Component;

import reactor.core.publisher.Mono;

/**
 * One handler method per event, as in the servlet example: the connection events' methods return a {@link Mono}
 * (the event is handled when it completes), the workflow events' methods block, which is safe because the receiver
 * never runs handlers on Netty's event loop.
 */
@Component
class RefoldHandlers {

    private final ProcessedEvents processed;

    RefoldHandlers(ProcessedEvents processed) {
        this.processed = processed;
    }

    // Reactive: the event counts as handled when the Mono completes; an error is answered 500 and Refold retries.
    @RefoldWebhook
    Mono<Void> onExpired(ConnectionExpired event, DeliveryContext context) {
        return Mono.fromRunnable(() -> processed.record("Connection Expired", context,
                ExampleActions.onExpired(event)));
    }

    // Blocking: runs on Reactor's boundedElastic scheduler, never on the event loop.
    @RefoldWebhook
    void onErrored(WorkflowErrored event, DeliveryContext context) {
        processed.record("Workflow Errored", context, ExampleActions.onErrored(event));
    }

    @RefoldWebhook
    Mono<Void> onCreated(ConnectionCreated event, DeliveryContext context) {
        return Mono.fromRunnable(() -> processed.record("Connection Created", context,
                ExampleActions.onCreated(event)));
    }

    @RefoldWebhook
    Mono<Void> onDeleted(ConnectionDeleted event, DeliveryContext context) {
        return Mono.fromRunnable(() -> processed.record("Connection Deleted", context,
                ExampleActions.onDeleted(event)));
    }

    @RefoldWebhook
    void onCompleted(WorkflowCompleted event, DeliveryContext context) {
        processed.record("Workflow Completed", context, ExampleActions.onCompleted(event));
    }

    @RefoldWebhook
    void onUnknown(UnknownEvent event, DeliveryContext context) {
        processed.record(event.eventName().orElse("unknown"), context, ExampleActions.onUnknown(event));
    }
}
