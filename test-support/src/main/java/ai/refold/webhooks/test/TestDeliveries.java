package ai.refold.webhooks.test;

import ai.refold.webhooks.DeliveryRequest;
import ai.refold.webhooks.Headers;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.signature.SignatureScheme;
import ai.refold.webhooks.signature.SigningKey;
import ai.refold.webhooks.signature.WebhookSigner;

import java.util.Objects;

/**
 * Deliveries as Refold sends them, for tests: a POST of a body with the {@code x-cobalt-signature} header that
 * Refold computes with an API key. Immutable and thread-safe.
 *
 * <pre>{@code
 * WebhookReceiver receiver = WebhookReceiver.builder()
 *         .signingKey("test", TestDeliveries.DEFAULT_API_KEY)
 *         .on(WorkflowErrored.class, (event, context) -> alerts.add(event.instanceId()))
 *         .build();
 *
 * receiver.receive(TestDeliveries.withDefaultKey().of(EventType.WORKFLOW_ERRORED));  // 200, processed
 * receiver.receive(TestDeliveries.withDefaultKey().withWrongSignature().of(body));    // 401, signature mismatch
 * }</pre>
 *
 * For an HTTP client, {@link #signature(byte[])} returns the header value alone.
 */
public final class TestDeliveries {

    /** The API key {@link #withDefaultKey()} signs with: a test key, never a real one. */
    public static final String DEFAULT_API_KEY = "refold-test-api-key";

    private static final TestDeliveries DEFAULT = new TestDeliveries(WebhookSigner.of(DEFAULT_API_KEY), false);

    private final WebhookSigner signer;
    private final boolean wrongSignature;

    private TestDeliveries(WebhookSigner signer, boolean wrongSignature) {
        this.signer = signer;
        this.wrongSignature = wrongSignature;
    }

    /** {@return deliveries signed with {@link #DEFAULT_API_KEY}} */
    public static TestDeliveries withDefaultKey() {
        return DEFAULT;
    }

    /**
     * {@return deliveries signed with {@code apiKey}, as Refold signs them for the environment of that key}
     *
     * @param apiKey the Refold API key the receiver under test verifies with
     * @throws NullPointerException     if {@code apiKey} is null
     * @throws IllegalArgumentException if {@code apiKey} is not a valid API key (see
     *                                  {@link SigningKey#requireValidApiKey}); the message never shows it
     */
    public static TestDeliveries withKey(String apiKey) {
        SigningKey.requireValidApiKey(apiKey, "apiKey");
        return new TestDeliveries(WebhookSigner.of(apiKey), false);
    }

    /**
     * {@return a copy of these deliveries whose signature header is well formed but wrong: the correct signature with
     * its last hex digit changed, which no key produces for the body} A receiver answers such a delivery 401
     * ({@code SIGNATURE_MISMATCH}) and runs no handler.
     */
    public TestDeliveries withWrongSignature() {
        return wrongSignature ? this : new TestDeliveries(signer, true);
    }

    /**
     * {@return a POST of the documented sample of {@code type} (see {@link SamplePayloads})}
     *
     * @param type the documented event type
     * @throws NullPointerException if {@code type} is null
     */
    public DeliveryRequest of(EventType type) {
        return request(SamplePayloads.of(type));
    }

    /**
     * {@return a POST of {@code body}, byte for byte} The request holds a copy, so the caller may reuse the array.
     *
     * @param body the body to send
     * @throws NullPointerException if {@code body} is null
     */
    public DeliveryRequest of(byte[] body) {
        return request(Objects.requireNonNull(body, "body").clone());
    }

    /**
     * {@return the {@code x-cobalt-signature} value these deliveries carry for {@code body}, for tests that send it
     * with an HTTP client}
     *
     * @param body the body to sign, exactly as it will be sent
     * @throws NullPointerException if {@code body} is null
     */
    public String signature(byte[] body) {
        String correct = signer.sign(body);
        if (!wrongSignature) {
            return correct;
        }
        char last = correct.charAt(correct.length() - 1);
        return correct.substring(0, correct.length() - 1) + (last == '0' ? '1' : '0');
    }

    private DeliveryRequest request(byte[] body) {
        return DeliveryRequest.of("POST", Headers.of(SignatureScheme.REFOLD_HEADER, signature(body)), body);
    }

    /** Returns a description that shows whether the signature is right and never the key. */
    @Override
    public String toString() {
        return "TestDeliveries[key=****, signature=" + (wrongSignature ? "wrong" : "correct") + "]";
    }
}
