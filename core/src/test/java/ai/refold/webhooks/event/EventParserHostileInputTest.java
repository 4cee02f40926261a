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

    // The JDK's strict UTF-8 decoder refuses these; Jackson let them through, reading C1 97 as 'W' where
    // RawPayload.asString() reads U+FFFD, so the typed event and the text of one body disagreed.
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"overlong NUL C0 80", "overlong W C1 97", "encoded surrogate ED A0 80",
            "lead byte past U+10FFFF F5 80 80 80", "continuation alone 80", "cut short E2 82"})
    void aBodyThatIsNotStrictUtf8IsMalformedWhereverTheBadBytesAre(String bytes) {
        StringBuilder sequence = new StringBuilder();
        for (String part : bytes.split(" ")) {
            if (part.matches("[0-9A-F]{2}")) {
                sequence.append((char) Integer.parseInt(part, 16));
            }
        }
        byte[] bad = sequence.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] inString = concat("{\"event\":\"Workflow Completed\",\"instance_id\":\"i-1\",\"note\":\"a", bad, "\"}");
        byte[] inName = concat("{\"event\":\"Workflow Completed\",\"instance_id\":\"i-1\",\"n", bad, "\":1}");

        for (byte[] body : new byte[][] {inString, inName}) {
            assertThatThrownBy(() -> EventParser.standard().parse(body))
                    .isInstanceOfSatisfying(InvalidPayloadException.class, e -> {
                        assertThat(e.reason()).isEqualTo(InvalidPayloadException.Reason.MALFORMED_JSON);
                        assertThat(e.getMessage()).isEqualTo("body is not valid JSON: body is not UTF-8");
                    });
            assertThatThrownBy(() -> EventParser.standard().readTree(body)).isInstanceOf(InvalidPayloadException.class);
        }
    }

    @Test
    void strictUtf8StillReadsEveryValidSequenceAsAsStringDoes() {
        String text = "caf\u00e9 \u20ac \ud83d\ude80 \u0800 \uffff";
        byte[] body = ("{\"event\":\"Workflow Completed\",\"instance_id\":\"i-1\",\"note\":\"" + text + "\"}")
                .getBytes(StandardCharsets.UTF_8);

        WebhookEvent event = EventParser.standard().parse(body);

        assertThat(event.json().get("note").asText()).isEqualTo(text);
        assertThat(event.payload().asString()).contains(text);
    }

    // Jackson's messages quote the input; an exception's causes are logged with it, so none is kept.
    @Test
    void noRefusalCarriesJacksonsExceptionWhoseMessageCouldQuoteTheBody() {
        String secret = "PII-jane.doe@example.com";
        byte[] unrecognised = ("{\"event\":\"Workflow Completed\",\"instance_id\":\"i-1\",\"x\":" + secret + "}")
                .getBytes(StandardCharsets.UTF_8);
        byte[] wrongType = ("{\"event\":\"Workflow Completed\",\"instance_id\":\"i-1\",\"amount\":\"" + secret
                + "\"}").getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> EventParser.standard().parse(unrecognised))
                .isInstanceOfSatisfying(InvalidPayloadException.class, e -> assertThat(e).hasNoCause()
                        .message().doesNotContain("jane"));
        assertThatThrownBy(() -> EventParser.standard().readTree(unrecognised))
                .isInstanceOfSatisfying(InvalidPayloadException.class, e -> assertThat(e).hasNoCause());
        WebhookEvent event = EventParser.standard().parse(wrongType);
        assertThatThrownBy(() -> event.payload().as(Order.class))
                .isInstanceOfSatisfying(InvalidPayloadException.class, e -> {
                    assertThat(e.reason()).isEqualTo(InvalidPayloadException.Reason.DOES_NOT_BIND);
                    assertThat(e).hasNoCause().message().isEqualTo("body does not bind to Order at /amount");
                });
    }

    /** A type the wrong-typed body does not bind to. */
    public record Order(int amount) {
    }

    private static byte[] concat(String head, byte[] middle, String tail) {
        byte[] first = head.getBytes(StandardCharsets.UTF_8);
        byte[] last = tail.getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[first.length + middle.length + last.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(middle, 0, all, first.length, middle.length);
        System.arraycopy(last, 0, all, first.length + middle.length, last.length);
        return all;
    }
}
