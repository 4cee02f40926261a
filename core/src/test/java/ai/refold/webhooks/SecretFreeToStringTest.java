package ai.refold.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.RawPayload;
import ai.refold.webhooks.event.Samples;
import ai.refold.webhooks.signature.SignatureVerifier;
import ai.refold.webhooks.signature.SigningKey;
import ai.refold.webhooks.signature.WebhookSigner;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

class SecretFreeToStringTest {

    private static final String API_KEY = "sk_live_DO-NOT-PRINT-0123456789";
    private static final byte[] BODY = Samples.of(EventType.WORKFLOW_ERRORED);

    @Test
    void signingKeyShowsItsLabelButNotItsSecret() {
        String text = SigningKey.of("live", API_KEY).toString();

        assertThat(text).contains("live").doesNotContain(API_KEY).doesNotContain("DO-NOT-PRINT");
    }

    @Test
    void verifierShowsHeaderAndLabelsButNoSecret() {
        String text = SignatureVerifier.builder().key("live", API_KEY).key("test", API_KEY + "-test").build()
                .toString();

        assertThat(text).contains("x-cobalt-signature", "live", "test").doesNotContain("DO-NOT-PRINT");
    }

    @Test
    void signerShowsNoSecret() {
        assertThat(WebhookSigner.of(API_KEY).toString()).contains("x-cobalt-signature").doesNotContain("DO-NOT-PRINT");
    }

    @Test
    void receiverShowsNoSecret() {
        WebhookReceiver receiver = WebhookReceiver.builder().signingKey("live", API_KEY).onAny((event, context) -> { })
                .build();

        assertThat(receiver.toString()).contains("live").doesNotContain("DO-NOT-PRINT");
    }

    @Test
    void receiverSaysHowItDispatchesAnInboxReceiverBeingNoAcknowledgeFastOne() {
        WebhookReceiver.Builder builder = WebhookReceiver.builder().signingKey("live", API_KEY)
                .onAny((event, context) -> { });
        WebhookReceiver inbox = WebhookReceiver.builder().signingKey("live", API_KEY).onAny((event, context) -> { })
                .inbox(ai.refold.webhooks.idempotency.InMemoryInboxStore.create(), InboxOptions.defaults()).build();
        try {
            assertThat(builder.build().toString()).doesNotContain("inbox", "acknowledgeFast");
            assertThat(WebhookReceiver.builder().signingKey("live", API_KEY).onAny((event, context) -> { })
                    .acknowledgeFast(Runnable::run).build().toString()).contains(", acknowledgeFast]");
            assertThat(inbox.toString()).contains(", inbox]").doesNotContain("acknowledgeFast");
        } finally {
            inbox.close();
        }
    }

    @Test
    void headersShowNamesButNotValues() {
        String signature = WebhookSigner.of(API_KEY).sign(BODY);
        Headers headers = Headers.builder()
                .add("x-cobalt-signature", signature)
                .add("Authorization", "Bearer " + API_KEY)
                .build();

        assertThat(headers.toString()).contains("x-cobalt-signature", "Authorization")
                .doesNotContain(signature).doesNotContain("DO-NOT-PRINT");
    }

    @Test
    void rawPayloadShowsItsSizeOnly() {
        byte[] body = ("{\"event\":\"Workflow Errored\",\"instance_id\":\"1\",\"token\":\"" + API_KEY + "\"}")
                .getBytes(StandardCharsets.UTF_8);

        String text = RawPayload.of(body).toString();

        assertThat(text).contains(Integer.toString(body.length)).doesNotContain("DO-NOT-PRINT")
                .doesNotContain("Workflow");
    }

    @Test
    void requestShowsNeitherBodyNorSignature() {
        String signature = WebhookSigner.of(API_KEY).sign(BODY);
        DeliveryRequest request = DeliveryRequest.of("POST", Headers.of("x-cobalt-signature", signature), BODY);

        assertThat(request.toString()).contains("POST", BODY.length + " bytes").doesNotContain(signature)
                .doesNotContain("Workflow");
    }

    @Test
    void deliveryResultsNeverCarryTheSignatureOrKey() {
        String signature = WebhookSigner.of(API_KEY).sign(BODY);
        WebhookReceiver receiver = WebhookReceiver.builder().signingKey("live", API_KEY).onAny((event, context) -> { })
                .build();
        String wrong = WebhookSigner.of("other").sign(BODY);

        for (String header : new String[] {signature, wrong, wrong.substring(1)}) {
            DeliveryResult result = receiver.receive(
                    DeliveryRequest.of("POST", Headers.of("x-cobalt-signature", header), BODY));

            assertThat(result.toString() + result.responseBody()).doesNotContain(signature).doesNotContain(wrong)
                    .doesNotContain("DO-NOT-PRINT");
        }
    }
}
