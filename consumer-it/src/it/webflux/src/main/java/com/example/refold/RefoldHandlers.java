package com.example.refold;

import ai.refold.webhooks.DeliveryContext;
import ai.refold.webhooks.event.ConnectionExpired;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.spring.RefoldWebhook;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

@Component
class RefoldHandlers {

    private static final Logger log = LoggerFactory.getLogger(RefoldHandlers.class);

    // Reactive: the event counts as handled when the Mono completes; an error answers 500 and Refold retries.
    @RefoldWebhook
    Mono<Void> onExpired(ConnectionExpired event) {
        return Mono.fromRunnable(() -> log.info("account {} must reconnect {}", event.linkedAccountId(), event.slug()));
    }

    // Blocking: runs on Reactor's boundedElastic scheduler, never on an event loop.
    @RefoldWebhook
    void onErrored(WorkflowErrored event, DeliveryContext context) {
        log.warn("workflow run {} failed (event {})", event.instanceId(), context.idempotencyKey());
    }
}
