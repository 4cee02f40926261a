package com.example.refold;

import ai.refold.webhooks.DeliveryContext;
import ai.refold.webhooks.event.ConnectionExpired;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.spring.RefoldWebhook;

import org.springframework.stereotype.Component;

/**
 * The README's "Quick start: Spring Boot" excerpt, as printed; its "// ..." parts are the field and constructor
 * below, and ProcessedEvents and ExampleActions stand for the user's code (the README takes them from the examples).
 */
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
}
