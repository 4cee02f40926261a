package com.example.refold;

import ai.refold.webhooks.DeliveryContext;

import org.springframework.stereotype.Component;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** What the handlers did: "event: action (idempotency key)". */
@Component
public class ProcessedEvents {

    private final List<String> entries = new CopyOnWriteArrayList<>();

    public void record(String event, DeliveryContext context, String action) {
        entries.add(event + ": " + action + " (" + context.idempotencyKey() + ")");
    }

    public List<String> entries() {
        return List.copyOf(entries);
    }
}
