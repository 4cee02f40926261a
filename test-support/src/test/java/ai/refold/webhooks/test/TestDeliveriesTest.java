package ai.refold.webhooks.test;

import ai.refold.webhooks.DeliveryRequest;
import ai.refold.webhooks.DeliveryResult;
import ai.refold.webhooks.Outcome;
import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.signature.SignatureScheme;
import ai.refold.webhooks.signature.WebhookSigner;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TestDeliveriesTest {

    private static final String KEY = "rk_test_deliveries_3f9a1c7e";

    private final List<String> alerts = new ArrayList<>();

    @Test
    void aSampleSignedWithTheDefaultKeyIsProcessedByAReceiverThatTrustsIt() {
        WebhookReceiver receiver = receiver(TestDeliveries.DEFAULT_API_KEY);

        DeliveryResult result = receiver.receive(TestDeliveries.withDefaultKey().of(EventType.WORKFLOW_ERRORED));

        assertThat(result.outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(result.status()).isEqualTo(200);
        assertThat(alerts).containsExactly("656f308b9144bb8f183bfc7b");
    }

    @Test
    void aDeliveryIsAPostOfTheSampleSignedAsRefoldSignsIt() {
        DeliveryRequest request = TestDeliveries.withKey(KEY).of(EventType.CONNECTION_CREATED);
        byte[] sample = SamplePayloads.of(EventType.CONNECTION_CREATED);

        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.body()).isEqualTo(sample);
        assertThat(request.headers().names()).containsExactly(SignatureScheme.REFOLD_HEADER);
        assertThat(request.headers().all(SignatureScheme.REFOLD_HEADER))
                .containsExactly(WebhookSigner.of(KEY).sign(sample));
    }

    @Test
    void givenBytesAreSentByteForByteAndTheCallerMayReuseTheArray() {
        byte[] body = "{\"event\":\"Workflow Errored\",\"instance_id\":\"given\"}".getBytes(StandardCharsets.UTF_8);
        byte[] sent = body.clone();

        DeliveryRequest request = TestDeliveries.withKey(KEY).of(body);
        body[0] = 'X';

        assertThat(request.body()).isEqualTo(sent);
        assertThat(receiver(KEY).receive(request).outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(alerts).containsExactly("given");
    }

    @Test
    void aDeliverySignedWithAKeyTheReceiverDoesNotKnowIsRefused() {
        DeliveryResult result = receiver(KEY).receive(TestDeliveries.withDefaultKey().of(EventType.WORKFLOW_ERRORED));

        assertThat(result.outcome()).isEqualTo(Outcome.SIGNATURE_MISMATCH);
        assertThat(alerts).isEmpty();
    }

    @Test
    void aWrongSignatureIsWellFormedButMismatchesAndRunsNoHandler() {
        TestDeliveries wrong = TestDeliveries.withKey(KEY).withWrongSignature();
        byte[] body = SamplePayloads.of(EventType.WORKFLOW_ERRORED);

        DeliveryResult result = receiver(KEY).receive(wrong.of(body));

        assertThat(result.outcome()).isEqualTo(Outcome.SIGNATURE_MISMATCH);
        assertThat(result.status()).isEqualTo(401);
        assertThat(alerts).isEmpty();
        assertThat(wrong.signature(body)).matches("[0-9a-f]{64}").isNotEqualTo(WebhookSigner.of(KEY).sign(body));
    }

    @Test
    void aWrongSignatureIsACopyAndLeavesTheOriginalCorrect() {
        TestDeliveries correct = TestDeliveries.withKey(KEY);
        byte[] body = SamplePayloads.of(EventType.WORKFLOW_COMPLETED);

        TestDeliveries wrong = correct.withWrongSignature();

        assertThat(wrong).isNotSameAs(correct);
        assertThat(wrong.withWrongSignature()).isSameAs(wrong);
        assertThat(correct.signature(body)).isEqualTo(WebhookSigner.of(KEY).sign(body));
        assertThat(wrong.signature(body)).isNotEqualTo(correct.signature(body));
        assertThat(TestDeliveries.withDefaultKey().withWrongSignature().signature(body))
                .isNotEqualTo(TestDeliveries.withDefaultKey().signature(body));
    }

    @Test
    void anInvalidKeyIsRefusedAtOnceWithoutShowingIt() {
        assertThatThrownBy(() -> TestDeliveries.withKey(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> TestDeliveries.withKey("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TestDeliveries.withKey("pasted-key\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("white space")
                .message().doesNotContain("pasted-key");
        assertThatThrownBy(() -> TestDeliveries.withKey("${REFOLD_TEST_API_KEY}"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void nullArgumentsAreRefused() {
        TestDeliveries deliveries = TestDeliveries.withDefaultKey();

        assertThatThrownBy(() -> deliveries.of((EventType) null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> deliveries.of((byte[]) null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> deliveries.signature(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void theDescriptionNeverShowsTheKey() {
        assertThat(TestDeliveries.withKey(KEY).toString())
                .isEqualTo("TestDeliveries[key=****, signature=correct]").doesNotContain(KEY);
        assertThat(TestDeliveries.withDefaultKey().withWrongSignature().toString())
                .isEqualTo("TestDeliveries[key=****, signature=wrong]")
                .doesNotContain(TestDeliveries.DEFAULT_API_KEY);
    }

    private WebhookReceiver receiver(String apiKey) {
        return WebhookReceiver.builder()
                .signingKey("test", apiKey)
                .on(WorkflowErrored.class, (event, context) -> alerts.add(event.instanceId()))
                .build();
    }
}
