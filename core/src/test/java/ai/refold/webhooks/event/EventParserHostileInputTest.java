package ai.refold.webhooks.event;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventParserHostileInputTest {

    private static final String BODY = "{\"event\":\"Workflow Completed\",\"instance_id\":\"i-1\"}";

    // Regression: Jackson detected these encodings from the leading zero bytes and parsed them to events.
    @ParameterizedTest(name = "a body encoded as {0} is malformed, not decoded")
    @ValueSource(strings = {"UTF-16BE", "UTF-16LE", "UTF-16", "UTF-32BE", "UTF-32LE"})
    void aBodyInAnEncodingOtherThanUtf8IsMalformed(String encoding) {
        byte[] body = BODY.getBytes(Charset.forName(encoding));

        assertThatThrownBy(() -> EventParser.standard().parse(body))
                .isInstanceOfSatisfying(InvalidPayloadException.class, e -> {
                    assertThat(e.reason()).isEqualTo(InvalidPayloadException.Reason.MALFORMED_JSON);
                    assertThat(e.getMessage()).isEqualTo("body is not valid JSON: body is not UTF-8");
                });
        assertThatThrownBy(() -> EventParser.standard().readTree(body))
                .isInstanceOf(InvalidPayloadException.class);
    }

    @Test
    void aUtf8ByteOrderMarkIsSkipped() {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        byte[] json = BODY.getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[bom.length + json.length];
        System.arraycopy(bom, 0, body, 0, 3);
        System.arraycopy(json, 0, body, 3, json.length);

        WebhookEvent event = EventParser.standard().parse(body);

        assertThat(event).isInstanceOfSatisfying(WorkflowCompleted.class,
                completed -> assertThat(completed.instanceId()).isEqualTo("i-1"));
        assertThat(event.payload().size()).isEqualTo(body.length);
    }

    @Test
    void nestingOneHundredThousandDeepIsRefusedByBothReadersWithoutExhaustingTheStack() {
        byte[] body = ("{\"x\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}").getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> EventParser.standard().parse(body))
                .isInstanceOfSatisfying(InvalidPayloadException.class, e -> assertThat(e.reason())
                        .isEqualTo(InvalidPayloadException.Reason.LIMIT_EXCEEDED));
        assertThatThrownBy(() -> EventParser.standard().readTree(body))
                .isInstanceOfSatisfying(InvalidPayloadException.class, e -> assertThat(e.reason())
                        .isEqualTo(InvalidPayloadException.Reason.LIMIT_EXCEEDED));
    }

    @Test
    void anUndocumentedRepeatedFieldParsesButTheStrictTreeOfTheSamePayloadRefusesIt() {
        byte[] body = "{\"event\":\"Workflow Completed\",\"instance_id\":\"i-1\",\"note\":1,\"note\":2}"
                .getBytes(StandardCharsets.UTF_8);

        WebhookEvent event = EventParser.standard().parse(body);

        assertThat(event).isInstanceOf(WorkflowCompleted.class);
        assertThatThrownBy(event::json).isInstanceOf(InvalidPayloadException.class)
                .hasMessageContaining("note");
    }

    @Test
    void aStringLongerThanTheLimitInADocumentedFieldIsRefusedWithoutQuotingIt() {
        String value = "v".repeat(2_000);
        EventParser parser = EventParser.withLimits(new ReadLimits(64, 1_000, 64, 1024, 1 << 20));

        assertThatThrownBy(() -> parser.parse(("{\"event\":\"Workflow Completed\",\"instance_id\":\"" + value
                + "\"}").getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(InvalidPayloadException.class, e -> {
                    assertThat(e.reason()).isEqualTo(InvalidPayloadException.Reason.LIMIT_EXCEEDED);
                    assertThat(e.getMessage()).doesNotContain("vvvvvvvvvv").hasSizeLessThanOrEqualTo(200);
                });
    }
}
