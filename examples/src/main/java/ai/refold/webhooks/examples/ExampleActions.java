package ai.refold.webhooks.examples;

import ai.refold.webhooks.event.ConnectionCreated;
import ai.refold.webhooks.event.ConnectionDeleted;
import ai.refold.webhooks.event.ConnectionExpired;
import ai.refold.webhooks.event.UnknownEvent;
import ai.refold.webhooks.event.WorkflowCompleted;
import ai.refold.webhooks.event.WorkflowErrored;

/**
 * What a real application does with each event, reduced to a sentence the example receivers record. In an
 * application these would update the UI, notify a person or schedule a retry.
 */
public final class ExampleActions {

    private ExampleActions() {
    }

    public static String onCreated(ConnectionCreated event) {
        return "enabled the " + event.slug() + " integration for account " + event.linkedAccountId();
    }

    public static String onDeleted(ConnectionDeleted event) {
        return "disabled the " + event.slug() + " integration for account " + event.linkedAccountId();
    }

    public static String onExpired(ConnectionExpired event) {
        return "asked account " + event.linkedAccountId() + " to reconnect " + event.slug();
    }

    public static String onCompleted(WorkflowCompleted event) {
        return "marked run " + event.instanceId() + " of '" + event.workflowName().orElse("workflow") + "' done";
    }

    public static String onErrored(WorkflowErrored event) {
        return "alerted on-call: '" + event.workflowName().orElse("workflow") + "' failed (run "
                + event.instanceId() + ")";
    }

    public static String onUnknown(UnknownEvent event) {
        return "logged unknown event '" + event.eventName().orElse("(none)") + "' for review";
    }
}
