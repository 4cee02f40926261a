package com.example.refold;

import ai.refold.webhooks.DeliveryContext;
import ai.refold.webhooks.event.ConnectionExpired;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.spring.RefoldWebhook;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

@Component
class RefoldHandlers {

    private static final Logger log = LoggerFactory.getLogger(RefoldHandlers.class);

    // The parameter's type says which events a method takes.
    @RefoldWebhook
    void onExpired(ConnectionExpired event) {
        log.info("account {} must reconnect {}", event.linkedAccountId(), event.slug());
    }

    // Runs once per event, however often Refold delivers it; a throw answers 500 and Refold retries.
    @RefoldWebhook
    void onErrored(WorkflowErrored event, DeliveryContext context) {
        log.warn("workflow run {} failed (event {})", event.instanceId(), context.idempotencyKey());
    }
}
