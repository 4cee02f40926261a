package com.example.refold;

import ai.refold.webhooks.DeliveryRequest;
import ai.refold.webhooks.DeliveryResult;
import ai.refold.webhooks.Headers;
import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.ConnectionExpired;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.signature.WebhookSigner;
import ai.refold.webhooks.test.SamplePayloads;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's "Quick start: any Java code", as printed; reconnects and alerts stand for the user's code. */
class AnyJavaCodeQuickStartTest {

    @Test
    void theQuickStartVerifiesTheSampleAndRunsItsHandler() {
        List<String> reconnects = new ArrayList<>();
        List<String> alerts = new ArrayList<>();

        WebhookReceiver receiver = WebhookReceiver.builder()
                .signingKey("test", "my-refold-api-key")
                .on(ConnectionExpired.class, (event, context) -> reconnects.add(event.linkedAccountId()))
                .on(WorkflowErrored.class, (event, context) -> alerts.add(event.instanceId()))
                .build();

        byte[] body = SamplePayloads.of(EventType.WORKFLOW_ERRORED);
        String sig = WebhookSigner.of("my-refold-api-key").sign(body);
        DeliveryResult result = receiver.receive(DeliveryRequest.of("POST", Headers.of("x-cobalt-signature", sig), body));
        // answer result.status() (200) with result.responseBody()

        assertEquals(200, result.status());
        assertTrue(result.responseBody().contains("\"processed\""), result.responseBody());
        assertEquals(List.of("656f308b9144bb8f183bfc7b"), alerts);
        assertTrue(reconnects.isEmpty());
    }
}
