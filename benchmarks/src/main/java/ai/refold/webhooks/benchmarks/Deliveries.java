package ai.refold.webhooks.benchmarks;

import ai.refold.webhooks.DeliveryRequest;
import ai.refold.webhooks.Headers;
import ai.refold.webhooks.signature.WebhookSigner;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Distinct signed Workflow Errored deliveries of an exact size: the documented sample compacted (221 bytes), or
 * padded with an extra field to a larger size. Each has its own instance_id, so each is a new event.
 */
final class Deliveries {

    static final String API_KEY = "benchmark-api-key-0123456789abcdef";
    static final int SAMPLE_SIZE = 221;

    final byte[][] bodies;
    final String[] signatures;
    final DeliveryRequest[] requests;

    Deliveries(int size, int count) {
        WebhookSigner signer = WebhookSigner.of(API_KEY);
        bodies = new byte[count][];
        signatures = new String[count];
        requests = new DeliveryRequest[count];
        for (int i = 0; i < count; i++) {
            bodies[i] = body(i, size);
            signatures[i] = signer.sign(bodies[i]);
            requests[i] = DeliveryRequest.of("POST", Headers.of("x-cobalt-signature", signatures[i]), bodies[i]);
        }
    }

    static byte[] body(int index, int size) {
        String instanceId = String.format(Locale.ROOT, "656f308b9144bb8f%08x", index);
        String sample = "{\"linked_account_id\":\"12345\",\"instance_id\":\"" + instanceId
                + "\",\"workflow_id\":\"6495792b9b6ca6d77a17e513\",\"config_id\":\"12345\","
                + "\"event\":\"Workflow Errored\",\"workflow_name\":\"Export contact to Hubspot\","
                + "\"status\":\"ERRORED\"}";
        if (size == SAMPLE_SIZE) {
            return sample.getBytes(StandardCharsets.US_ASCII);
        }
        String open = sample.substring(0, sample.length() - 1) + ",\"padding\":\"";
        int fill = size - open.length() - 2;
        if (fill < 0) {
            throw new IllegalArgumentException("size " + size + " is smaller than the sample");
        }
        return (open + "x".repeat(fill) + "\"}").getBytes(StandardCharsets.US_ASCII);
    }
}
