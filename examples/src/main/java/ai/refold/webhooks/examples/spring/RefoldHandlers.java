package ai.refold.webhooks.examples.spring;

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

/** One handler method per event; the parameter type says which events each one takes. */
@Component
class RefoldHandlers {

    private final ProcessedEvents processed;

    RefoldHandlers(ProcessedEvents processed) {
        this.processed = processed;
    }

    @RefoldWebhook
    void onExpired(ConnectionExpired event, DeliveryContext context) {
        processed.record("Connection Expired", context, ExampleActions.onExpired(event));
    }

    @RefoldWebhook
    void onErrored(WorkflowErrored event, DeliveryContext context) {
        processed.record("Workflow Errored", context, ExampleActions.onErrored(event));
    }

    @RefoldWebhook
    void onCreated(ConnectionCreated event, DeliveryContext context) {
        processed.record("Connection Created", context, ExampleActions.onCreated(event));
    }

    @RefoldWebhook
    void onDeleted(ConnectionDeleted event, DeliveryContext context) {
        processed.record("Connection Deleted", context, ExampleActions.onDeleted(event));
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
