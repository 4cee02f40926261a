package ai.refold.webhooks.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonProperty;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

// Reading fields the SDK does not model without touching a Jackson type: text(path...) and as(Class).
class RawPayloadAccessorsTest {

    private static final String BODY = """
            {"event":"Workflow Completed","instance_id":"i-1","workflow_response":{"order_id":"o-42","total":19.5,
             "paid":true,"note":null,"lines":[1,2]},"attempt":3}""";

    record Response(@JsonProperty("order_id") String orderId, double total, boolean paid, List<Integer> lines) {
    }

    record Envelope(@JsonProperty("instance_id") String instanceId,
                    @JsonProperty("workflow_response") Response response) {
    }

    record Strict(int attempt, @JsonProperty("instance_id") int instanceId) {
    }

    private static RawPayload payload(String body) {
        return EventParser.standard().parse(body.getBytes(StandardCharsets.UTF_8)).payload();
    }

    @Test
    void textReadsNestedStringsNumbersAndBooleansAsText() {
        RawPayload payload = payload(BODY);

        assertThat(payload.text("workflow_response", "order_id")).contains("o-42");
        assertThat(payload.text("workflow_response", "total")).contains("19.5");
        assertThat(payload.text("workflow_response", "paid")).contains("true");
        assertThat(payload.text("attempt")).contains("3");
        assertThat(payload.text("event")).contains("Workflow Completed");
    }

    @Test
    void textIsEmptyForMissingNullAndContainerValues() {
        RawPayload payload = payload(BODY);

        assertThat(payload.text("workflow_response", "missing")).isEmpty();
        assertThat(payload.text("nothing", "below")).isEmpty();
        assertThat(payload.text("workflow_response", "note")).isEmpty();
        assertThat(payload.text("workflow_response")).isEmpty();
        assertThat(payload.text("workflow_response", "lines")).isEmpty();
        assertThat(payload.text("instance_id", "deeper")).isEmpty();
    }

    @Test
    void asBindsToTheCallersRecordSkippingUndeclaredFields() {
        Envelope envelope = payload(BODY).as(Envelope.class);

        assertThat(envelope.instanceId()).isEqualTo("i-1");
        assertThat(envelope.response()).isEqualTo(new Response("o-42", 19.5, true, List.of(1, 2)));
    }

    @Test
    void asBindsToAPlainMapForFreeFormReading() {
        @SuppressWarnings("unchecked")
        Map<String, Object> map = payload(BODY).as(Map.class);

        assertThat(map).containsEntry("attempt", 3).containsKey("workflow_response");
        assertThat(map.get("workflow_response")).isInstanceOf(Map.class);
    }

    @Test
    void aValueThatDoesNotBindIsNamedByItsPathWithoutRepeatingTheValue() {
        RawPayload payload = payload("{\"event\":\"x\",\"attempt\":3,\"instance_id\":\"secret-looking-value\"}");

        assertThatThrownBy(() -> payload.as(Strict.class))
                .isInstanceOfSatisfying(InvalidPayloadException.class,
                        e -> assertThat(e.reason()).isEqualTo(InvalidPayloadException.Reason.DOES_NOT_BIND))
                .hasMessage("body does not bind to Strict at /instance_id")
                .message().doesNotContain("secret-looking-value");
    }

    @Test
    void bindingKeepsTheParsersReadLimits() {
        EventParser parser = EventParser.withLimits(new ReadLimits(4, 1 << 20, 64, 1024, 16L << 20));
        RawPayload payload = parser.parse("{\"a\":{\"b\":{\"c\":{}}}}".getBytes(StandardCharsets.UTF_8)).payload();
        byte[] deep = "{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":1}}}}}".getBytes(StandardCharsets.UTF_8);

        assertThat(payload.as(Map.class)).containsKey("a");
        assertThatThrownBy(() -> RawPayload.of(deep, parser).as(Map.class))
                .isInstanceOfSatisfying(InvalidPayloadException.class,
                        e -> assertThat(e.reason()).isEqualTo(InvalidPayloadException.Reason.LIMIT_EXCEEDED));
    }
}
