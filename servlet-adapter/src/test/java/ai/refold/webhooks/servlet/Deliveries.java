package ai.refold.webhooks.servlet;

import ai.refold.webhooks.signature.SignatureScheme;
import ai.refold.webhooks.test.TestDeliveries;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;

/** Signed Refold deliveries for tests. */
final class Deliveries {

    // A test-only key, also the one every receiver in these tests trusts.
    static final String API_KEY = "test-api-key-for-servlet-adapter";
    static final TestDeliveries SIGNED = TestDeliveries.withKey(API_KEY);
    static final String SIGNATURE_HEADER = SignatureScheme.REFOLD_HEADER;

    private Deliveries() {
    }

    /** Returns a "Workflow Completed" body whose idempotency key is derived from {@code instanceId}. */
    static byte[] workflowCompleted(String instanceId) {
        return ("{\"event\":\"Workflow Completed\",\"instance_id\":\"" + instanceId + "\","
                + "\"workflow_id\":\"6495792b9b6ca6d77a17e513\",\"linked_account_id\":\"12345\","
                + "\"workflow_name\":\"Export contact to Hubspot\",\"status\":\"COMPLETED\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Returns a POST of {@code body} to {@code uri} signed with {@link #API_KEY}. */
    static HttpRequest signedPost(URI uri, byte[] body) {
        return post(uri, body, SIGNED.signature(body));
    }

    /** Returns a POST of {@code body} to {@code uri} with the given signature header. */
    static HttpRequest post(URI uri, byte[] body, String signature) {
        return HttpRequest.newBuilder(uri)
                .header("Content-Type", "application/json")
                .header(SIGNATURE_HEADER, signature)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
    }
}
