package com.example.refold;

import ai.refold.webhooks.event.ConnectionExpired;
import ai.refold.webhooks.event.WorkflowErrored;

/** What the application does for each event. */
final class ExampleActions {

    private ExampleActions() {
    }

    static String onExpired(ConnectionExpired event) {
        return "asked account " + event.linkedAccountId() + " to reconnect " + event.slug();
    }

    static String onErrored(WorkflowErrored event) {
        return "alerted on-call about run " + event.instanceId();
    }
}
