package ai.refold.webhooks.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import ai.refold.webhooks.event.EventParser;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.Samples;
import ai.refold.webhooks.event.WebhookEvent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.stream.Stream;

class StandardIdempotencyKeysTest {

    private final IdempotencyKeyExtractor keys = IdempotencyKeyExtractor.standard();

    private static WebhookEvent parse(String json) {
        return EventParser.standard().parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    static Stream<Arguments> documentedShapes() {
        return Stream.of(
                Arguments.of("Workflow Errored sample (no environment)",
                        new String(Samples.of(EventType.WORKFLOW_ERRORED), StandardCharsets.UTF_8),
                        "workflow-errored:-:656f308b9144bb8f183bfc7b"),
                Arguments.of("Workflow Completed sample (no environment)",
                        new String(Samples.of(EventType.WORKFLOW_COMPLETED), StandardCharsets.UTF_8),
                        "workflow-completed:-:656f30f69144bb8f183c0118"),
                Arguments.of("Workflow Completed with environment",
                        "{\"event\":\"Workflow Completed\",\"instance_id\":\"67d22c4330d75f3a3fa29056\","
                                + "\"environment\":\"test\"}",
                        "workflow-completed:test:67d22c4330d75f3a3fa29056"),
                Arguments.of("Workflow Errored in live",
                        "{\"event\":\"Workflow Errored\",\"instance_id\":\"i-9\",\"environment\":\"live\"}",
                        "workflow-errored:live:i-9"),
                Arguments.of("Connection Created sample",
                        new String(Samples.of(EventType.CONNECTION_CREATED), StandardCharsets.UTF_8),
                        "connection-created:test:12345:hubspot:Tue, 07 Nov 2023 08:03:27 GMT"),
                Arguments.of("Connection Deleted sample",
                        new String(Samples.of(EventType.CONNECTION_DELETED), StandardCharsets.UTF_8),
                        "connection-deleted:test:12345:hubspot:Tue, 07 Nov 2023 08:04:27 GMT"),
                Arguments.of("Connection Expired sample",
                        new String(Samples.of(EventType.CONNECTION_EXPIRED), StandardCharsets.UTF_8),
                        "connection-expired:test:12345:pipedrive:Tue, 07 Nov 2023 08:38:33 GMT"),
                Arguments.of("Connection Expired without environment",
                        "{\"event\":\"Connection Expired\",\"linked_account_id\":\"a\",\"slug\":\"s\","
                                + "\"createdAt\":\"Tue, 07 Nov 2023 08:38:33 GMT\"}",
                        "connection-expired:-:a:s:Tue, 07 Nov 2023 08:38:33 GMT"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("documentedShapes")
    void buildsTheDocumentedKey(String description, String json, String expected) {
        assertThat(keys.keyFor(parse(json))).isEqualTo(expected);
    }

    static Stream<String> bodiesWithoutNaturalKey() {
        return Stream.of(
                "{\"event\":\"Connection Paused\",\"linked_account_id\":\"1\",\"slug\":\"hubspot\"}",
                "{\"text\":\"{{event.instance_id}}\"}",
                "{}",
                "{\"event\":\"Workflow Errored\",\"status\":\"ERRORED\"}",
                "{\"event\":\"Connection Created\",\"linked_account_id\":\"12345\",\"slug\":\"hubspot\"}",
                "{\"event\":\"Connection Expired\",\"linked_account_id\":\"12345\",\"slug\":\"hubspot\","
                        + "\"createdAt\":null}");
    }

    @ParameterizedTest
    @MethodSource("bodiesWithoutNaturalKey")
    void fallsBackToTheSha256OfTheBody(String json) throws Exception {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);

        assertThat(keys.keyFor(EventParser.standard().parse(body))).isEqualTo("sha256:" + sha256(body));
    }

    @Test
    void givesARetryOfTheSameBytesTheSameKey() {
        for (EventType type : EventType.values()) {
            assertThat(keys.keyFor(EventParser.standard().parse(Samples.of(type))))
                    .isEqualTo(keys.keyFor(EventParser.standard().parse(Samples.of(type))));
        }
        String unknown = "{\"text\":\"hello\"}";
        assertThat(keys.keyFor(parse(unknown))).isEqualTo(keys.keyFor(parse(unknown)));
    }

    @Test
    void givesTheSameWorkflowRunTheSameKeyWhateverElseChanges() {
        String first = keys.keyFor(parse("{\"event\":\"Workflow Errored\",\"instance_id\":\"i-1\",\"x\":1}"));
        String reformatted = keys.keyFor(parse("{ \"instance_id\" : \"i-1\", \"event\" : \"Workflow Errored\" }"));

        assertThat(reformatted).isEqualTo(first);
    }

    @Test
    void tellsCreatedDeletedAndCreatedAgainApart() {
        String created = keys.keyFor(parse("{\"event\":\"Connection Created\",\"linked_account_id\":\"12345\","
                + "\"slug\":\"hubspot\",\"environment\":\"test\",\"createdAt\":\"Tue, 07 Nov 2023 08:03:27 GMT\"}"));
        String deleted = keys.keyFor(parse("{\"event\":\"Connection Deleted\",\"linked_account_id\":\"12345\","
                + "\"slug\":\"hubspot\",\"environment\":\"test\",\"createdAt\":\"Tue, 07 Nov 2023 08:03:27 GMT\"}"));
        String createdAgain = keys.keyFor(parse("{\"event\":\"Connection Created\",\"linked_account_id\":\"12345\","
                + "\"slug\":\"hubspot\",\"environment\":\"test\",\"createdAt\":\"Tue, 07 Nov 2023 09:15:00 GMT\"}"));

        assertThat(java.util.Set.of(created, deleted, createdAgain)).hasSize(3);
    }

    @Test
    void keepsEnvironmentsApart() {
        String test = keys.keyFor(parse("{\"event\":\"Workflow Errored\",\"instance_id\":\"i-1\","
                + "\"environment\":\"test\"}"));
        String live = keys.keyFor(parse("{\"event\":\"Workflow Errored\",\"instance_id\":\"i-1\","
                + "\"environment\":\"live\"}"));
        String none = keys.keyFor(parse("{\"event\":\"Workflow Errored\",\"instance_id\":\"i-1\"}"));

        assertThat(test).isEqualTo("workflow-errored:test:i-1");
        assertThat(live).isEqualTo("workflow-errored:live:i-1");
        assertThat(none).isEqualTo("workflow-errored:-:i-1");
    }

    @Test
    void keepsCompletedAndErroredOfOneRunApart() {
        assertThat(keys.keyFor(parse("{\"event\":\"Workflow Errored\",\"instance_id\":\"i-1\"}")))
                .isNotEqualTo(keys.keyFor(parse("{\"event\":\"Workflow Completed\",\"instance_id\":\"i-1\"}")));
    }

    @Test
    void hashesAKeyLongerThanTheLimit() throws Exception {
        String instanceId = "i".repeat(250);
        String natural = "workflow-errored:test:" + instanceId;

        String key = keys.keyFor(parse("{\"event\":\"Workflow Errored\",\"instance_id\":\"" + instanceId
                + "\",\"environment\":\"test\"}"));

        assertThat(key).isEqualTo(IdempotencyKeyExtractor.HASHED_KEY_PREFIX
                + sha256(natural.getBytes(StandardCharsets.UTF_16BE)));
        assertThat(key).hasSizeLessThanOrEqualTo(IdempotencyKeyExtractor.MAX_LENGTH)
                .doesNotStartWith(IdempotencyKeyExtractor.CONTENT_KEY_PREFIX);
    }

    @Test
    void keyPartsCannotRunIntoEachOtherCase6() {
        String orgColonOne = keys.keyFor(parse("{\"event\":\"Connection Expired\",\"linked_account_id\":\"org:1\","
                + "\"slug\":\"x\",\"createdAt\":\"Tue, 07 Nov 2023 08:38:33 GMT\"}"));
        String org = keys.keyFor(parse("{\"event\":\"Connection Expired\",\"linked_account_id\":\"org\","
                + "\"slug\":\"1:x\",\"createdAt\":\"Tue, 07 Nov 2023 08:38:33 GMT\"}"));

        assertThat(orgColonOne).isEqualTo("connection-expired:-:org%3A1:x:Tue, 07 Nov 2023 08:38:33 GMT");
        assertThat(org).isEqualTo("connection-expired:-:org:1%3Ax:Tue, 07 Nov 2023 08:38:33 GMT");
        assertThat(keys.keyFor(parse("{\"event\":\"Workflow Errored\",\"instance_id\":\"a:b%c\","
                + "\"environment\":\"te:st\"}"))).isEqualTo("workflow-errored:te%3Ast:a:b%c");
    }

    @Test
    void keysThatAStoreWouldMangleAreHashedApartCase7() {
        String nul = StandardIdempotencyKeys.storable("workflow-errored:-:a\u0000");
        String loneHigh = StandardIdempotencyKeys.storable("workflow-errored:-:a\ud800");
        String loneLow = StandardIdempotencyKeys.storable("workflow-errored:-:a\udc00");
        String pair = "workflow-errored:-:a\ud83d\udd11";

        assertThat(List.of(nul, loneHigh, loneLow)).allMatch(key -> key.matches("key-sha256:[0-9a-f]{64}"))
                .doesNotHaveDuplicates();
        assertThat(StandardIdempotencyKeys.storable(pair)).isSameAs(pair);
    }

    @Test
    void keepsAKeyOfExactlyTheLimit() {
        String prefix = "workflow-errored:test:";
        String instanceId = "i".repeat(IdempotencyKeyExtractor.MAX_LENGTH - prefix.length());

        String key = keys.keyFor(parse("{\"event\":\"Workflow Errored\",\"instance_id\":\"" + instanceId
                + "\",\"environment\":\"test\"}"));

        assertThat(key).isEqualTo(prefix + instanceId).hasSize(IdempotencyKeyExtractor.MAX_LENGTH);
    }

    @Test
    void hashesALongConnectionKeyToo() {
        String key = keys.keyFor(parse("{\"event\":\"Connection Expired\",\"linked_account_id\":\""
                + "a".repeat(300) + "\",\"slug\":\"hubspot\",\"createdAt\":\"Tue, 07 Nov 2023 08:38:33 GMT\"}"));

        assertThat(key).matches("key-sha256:[0-9a-f]{64}");
    }

    @Test
    void keepsAnEnvironmentOfADashApartFromAMissingOne() {
        String dash = keys.keyFor(parse("{\"event\":\"Workflow Errored\",\"instance_id\":\"i-1\","
                + "\"environment\":\"-\"}"));
        String none = keys.keyFor(parse("{\"event\":\"Workflow Errored\",\"instance_id\":\"i-1\"}"));

        assertThat(dash).isEqualTo("workflow-errored:%2D:i-1").isNotEqualTo(none);
    }

    @Test
    void givesABlankCreatedAtOrInstanceIdTheShortLivedContentKey() throws Exception {
        for (String json : List.of(
                "{\"event\":\"Connection Expired\",\"linked_account_id\":\"a\",\"slug\":\"s\",\"createdAt\":\"\"}",
                "{\"event\":\"Connection Expired\",\"linked_account_id\":\"a\",\"slug\":\"s\",\"createdAt\":\" \"}",
                "{\"event\":\"Workflow Errored\",\"instance_id\":\"\",\"environment\":\"test\"}")) {
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            assertThat(keys.keyFor(EventParser.standard().parse(body))).isEqualTo("sha256:" + sha256(body));
        }
    }
}
