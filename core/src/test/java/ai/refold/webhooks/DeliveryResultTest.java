package ai.refold.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.Samples;
import ai.refold.webhooks.signature.WebhookSigner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

class DeliveryResultTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static DeliveryResult result(Outcome outcome, String message) {
        return new DeliveryResult(outcome, outcome.httpStatus(), message, Optional.empty(), Optional.empty(),
                Optional.empty(), Map.of());
    }

    @ParameterizedTest
    @EnumSource(Outcome.class)
    void writesTheOutcomeCodeAndReasonAsJson(Outcome outcome) throws Exception {
        JsonNode body = JSON.readTree(result(outcome, "a reason").responseBody());

        assertThat(body.get("status").asText()).isEqualTo(outcome.code());
        assertThat(body.get("reason").asText()).isEqualTo("a reason");
        assertThat(body.size()).isEqualTo(2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"say \"hi\"", "back\\slash", "line\nbreak\r\ttab", "\u0000\u001f control",
        "ünïcödé — 客户 🚀", "</script>", "", "\"", "\\"})
    void escapesTheReasonSoTheBodyStaysValidJson(String message) throws Exception {
        String body = result(Outcome.INVALID_PAYLOAD, message).responseBody();

        JsonNode parsed = JSON.readTree(body.getBytes(StandardCharsets.UTF_8));

        assertThat(parsed.get("reason").asText()).isEqualTo(message);
        assertThat(parsed.get("status").asText()).isEqualTo("invalid_payload");
    }

    @Test
    void answersValidJsonForEveryPipelineRejection() throws Exception {
        WebhookReceiver receiver = WebhookReceiver.builder().signingKey("test", "k").onAny((event, context) -> { })
                .build();
        byte[] body = Samples.of(EventType.WORKFLOW_ERRORED);
        byte[] broken = "{\"event\":\"Workflow Errored\",\"instance_id\":".getBytes(StandardCharsets.UTF_8);
        String signature = WebhookSigner.of("k").sign(body);

        DeliveryResult[] results = {
            receiver.receive(DeliveryRequest.of("GET", Headers.empty(), body)),
            receiver.receive(DeliveryRequest.of("POST", Headers.empty(), body)),
            receiver.receive(DeliveryRequest.of("POST", Headers.of("x-cobalt-signature", "zz"), body)),
            receiver.receive(DeliveryRequest.of("POST", Headers.of("x-cobalt-signature",
                    WebhookSigner.of("k").sign(broken)), broken)),
            receiver.receive(DeliveryRequest.of("POST", Headers.of("x-cobalt-signature", signature), body)),
            receiver.receive(DeliveryRequest.of("POST", Headers.of("x-cobalt-signature", signature), body)),
        };

        for (DeliveryResult result : results) {
            JsonNode parsed = JSON.readTree(result.responseBody());
            assertThat(parsed.get("status").asText()).isEqualTo(result.outcome().code());
            assertThat(parsed.get("reason").asText()).isEqualTo(result.message());
            assertThat(DeliveryResult.CONTENT_TYPE).isEqualTo("application/json");
        }
    }

    @Test
    void mapsEachOutcomeToItsStatus() {
        assertThat(Outcome.PROCESSED.httpStatus()).isEqualTo(200);
        assertThat(Outcome.DUPLICATE.httpStatus()).isEqualTo(200);
        assertThat(Outcome.ACCEPTED.httpStatus()).isEqualTo(200);
        assertThat(Outcome.METHOD_NOT_ALLOWED.httpStatus()).isEqualTo(405);
        assertThat(Outcome.PAYLOAD_TOO_LARGE.httpStatus()).isEqualTo(413);
        assertThat(Outcome.SIGNATURE_MISSING.httpStatus()).isEqualTo(401);
        assertThat(Outcome.SIGNATURE_MALFORMED.httpStatus()).isEqualTo(401);
        assertThat(Outcome.SIGNATURE_MISMATCH.httpStatus()).isEqualTo(401);
        assertThat(Outcome.SIGNATURE_AMBIGUOUS.httpStatus()).isEqualTo(401);
        assertThat(Outcome.INVALID_PAYLOAD.httpStatus()).isEqualTo(400);
        assertThat(Outcome.IN_PROGRESS.httpStatus()).isEqualTo(409);
        assertThat(Outcome.HANDLER_FAILED.httpStatus()).isEqualTo(500);
        assertThat(Outcome.STORE_UNAVAILABLE.httpStatus()).isEqualTo(503);
        assertThat(Outcome.OVERLOADED.httpStatus()).isEqualTo(503);
        assertThat(Outcome.SIGNATURE_MISMATCH.code()).isEqualTo("signature_mismatch");
        assertThat(Outcome.DUPLICATE.isAcknowledged()).isTrue();
        assertThat(Outcome.IN_PROGRESS.isAcknowledged()).isFalse();
    }

    @Test
    void copiesItsResponseHeaders() {
        Map<String, String> headers = new HashMap<>(Map.of("Retry-After", "30"));
        DeliveryResult result = new DeliveryResult(Outcome.IN_PROGRESS, 409, "busy", Optional.empty(),
                Optional.empty(), Optional.empty(), headers);
        headers.put("X-Other", "1");

        assertThat(result.responseHeaders()).containsOnlyKeys("Retry-After");
        assertThat(result.isAcknowledged()).isFalse();
    }

    @Test
    void refusesAStatusThatIsNotHttp() {
        assertThatThrownBy(() -> new DeliveryResult(Outcome.PROCESSED, 99, "x", Optional.empty(), Optional.empty(),
                Optional.empty(), Map.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DeliveryResult(Outcome.PROCESSED, 200, null, Optional.empty(), Optional.empty(),
                Optional.empty(), Map.of())).isInstanceOf(NullPointerException.class);
    }
}
