package ai.refold.webhooks.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.refold.webhooks.event.InvalidPayloadException.Reason;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import java.util.stream.Stream;

class EventParserTest {

    private final EventParser parser = EventParser.standard();

    private static byte[] utf8(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @EnumSource(EventType.class)
    void parsesEveryDocumentedSampleToItsEventClass(EventType type) {
        byte[] body = Samples.of(type);

        WebhookEvent event = parser.parse(body);

        assertThat(event).isInstanceOf(type.eventClass());
        assertThat(event.eventType()).contains(type);
        assertThat(event.eventName()).contains(type.wireName());
        assertThat(event.payload().toByteArray()).isEqualTo(body);
    }

    @Test
    void parsesTheConnectionCreatedSampleFieldByField() {
        ConnectionCreated event = (ConnectionCreated) parser.parse(Samples.of(EventType.CONNECTION_CREATED));

        assertThat(event.linkedAccountId()).isEqualTo("12345");
        assertThat(event.orgId()).contains("645270e37917442c4307297a");
        assertThat(event.environment()).contains("test");
        assertThat(event.type()).contains("General");
        assertThat(event.slug()).isEqualTo("hubspot");
        assertThat(event.createdAt()).contains("Tue, 07 Nov 2023 08:03:27 GMT");
        assertThat(event.createdAtInstant()).contains(Instant.parse("2023-11-07T08:03:27Z"));
    }

    @Test
    void parsesTheConnectionDeletedSampleFieldByField() {
        ConnectionDeleted event = (ConnectionDeleted) parser.parse(Samples.of(EventType.CONNECTION_DELETED));

        assertThat(event.linkedAccountId()).isEqualTo("12345");
        assertThat(event.orgId()).contains("645270e37917442c4307297a");
        assertThat(event.environment()).contains("test");
        assertThat(event.type()).contains("General");
        assertThat(event.slug()).isEqualTo("hubspot");
        assertThat(event.createdAt()).contains("Tue, 07 Nov 2023 08:04:27 GMT");
        assertThat(event.createdAtInstant()).contains(Instant.parse("2023-11-07T08:04:27Z"));
    }

    @Test
    void parsesTheConnectionExpiredSampleFieldByField() {
        ConnectionExpired event = (ConnectionExpired) parser.parse(Samples.of(EventType.CONNECTION_EXPIRED));

        assertThat(event.linkedAccountId()).isEqualTo("12345");
        assertThat(event.orgId()).contains("645270e37917442c4307297a");
        assertThat(event.environment()).contains("test");
        assertThat(event.type()).contains("General");
        assertThat(event.slug()).isEqualTo("pipedrive");
        assertThat(event.createdAt()).contains("Tue, 07 Nov 2023 08:38:33 GMT");
        assertThat(event.createdAtInstant()).contains(Instant.parse("2023-11-07T08:38:33Z"));
    }

    @Test
    void parsesTheWorkflowCompletedSampleFieldByField() {
        WorkflowCompleted event = (WorkflowCompleted) parser.parse(Samples.of(EventType.WORKFLOW_COMPLETED));

        assertThat(event.linkedAccountId()).contains("12345");
        assertThat(event.instanceId()).isEqualTo("656f30f69144bb8f183c0118");
        assertThat(event.workflowId()).contains("6495792b9b6ca6d77a17e513");
        assertThat(event.configId()).contains("12345");
        assertThat(event.workflowName()).contains("Export contact to Hubspot");
        assertThat(event.status()).contains("COMPLETED");
        assertThat(event.environment()).isEmpty();
    }

    @Test
    void parsesTheWorkflowErroredSampleFieldByField() {
        WorkflowErrored event = (WorkflowErrored) parser.parse(Samples.of(EventType.WORKFLOW_ERRORED));

        assertThat(event.linkedAccountId()).contains("12345");
        assertThat(event.instanceId()).isEqualTo("656f308b9144bb8f183bfc7b");
        assertThat(event.workflowId()).contains("6495792b9b6ca6d77a17e513");
        assertThat(event.configId()).contains("12345");
        assertThat(event.workflowName()).contains("Export contact to Hubspot");
        assertThat(event.status()).contains("ERRORED");
        assertThat(event.environment()).isEmpty();
    }

    @Test
    void readsTheEnvironmentOfAWorkflowEventWhenSent() {
        WorkflowCompleted event = (WorkflowCompleted) parser.parse(utf8("{\"linked_account_id\":\"dev\","
                + "\"instance_id\":\"67d22c4330d75f3a3fa29056\",\"workflow_id\":\"67af37ad1d0bb61005439eaf\","
                + "\"event\":\"Workflow Completed\",\"workflow_name\":\"Get Response\",\"status\":\"COMPLETED\","
                + "\"environment\":\"test\"}"));

        assertThat(event.environment()).contains("test");
        assertThat(event.configId()).isEmpty();
    }

    @Test
    void parsesAnIsoCreatedAtAndLeavesAnUnreadableOneRaw() {
        ConnectionExpired iso = (ConnectionExpired) parser.parse(utf8("{\"event\":\"Connection Expired\","
                + "\"linked_account_id\":\"1\",\"slug\":\"hubspot\",\"createdAt\":\"2023-11-07T08:38:33Z\"}"));
        ConnectionExpired odd = (ConnectionExpired) parser.parse(utf8("{\"event\":\"Connection Expired\","
                + "\"linked_account_id\":\"1\",\"slug\":\"hubspot\",\"createdAt\":\"yesterday\"}"));

        assertThat(iso.createdAtInstant()).contains(Instant.parse("2023-11-07T08:38:33Z"));
        assertThat(odd.createdAt()).contains("yesterday");
        assertThat(odd.createdAtInstant()).isEmpty();
    }

    @Test
    void treatsNullOptionalFieldsAsAbsent() {
        ConnectionCreated event = (ConnectionCreated) parser.parse(utf8("{\"event\":\"Connection Created\","
                + "\"linked_account_id\":\"1\",\"slug\":\"hubspot\",\"org_id\":null,\"createdAt\":null}"));

        assertThat(event.orgId()).isEmpty();
        assertThat(event.createdAt()).isEmpty();
    }

    static Stream<Arguments> unknownBodies() {
        return Stream.of(
                Arguments.of("an event name this SDK does not know",
                        "{\"event\":\"Connection Paused\",\"linked_account_id\":\"1\",\"slug\":\"hubspot\"}",
                        Optional.of("Connection Paused")),
                Arguments.of("no event field", "{\"linked_account_id\":\"1\",\"slug\":\"hubspot\"}",
                        Optional.empty()),
                Arguments.of("an empty object", "{}", Optional.empty()),
                Arguments.of("a custom template",
                        "{\"text\":\"Workflow 656f308b9144bb8f183bfc7b failed\",\"channel\":\"#alerts\"}",
                        Optional.empty()),
                Arguments.of("an untemplated custom body", "{\"text\":\"{{event.instance_id}}\"}", Optional.empty()),
                Arguments.of("an event that is a nested object",
                        "{\"event\":{\"name\":\"Workflow Errored\",\"instance_id\":\"1\"},\"instance_id\":\"1\"}",
                        Optional.empty()),
                Arguments.of("an event that is a number", "{\"event\":42}", Optional.empty()),
                Arguments.of("an event that is null", "{\"event\":null}", Optional.empty()),
                Arguments.of("a workflow event without instance_id",
                        "{\"event\":\"Workflow Errored\",\"workflow_id\":\"w\",\"status\":\"ERRORED\"}",
                        Optional.of("Workflow Errored")),
                Arguments.of("a connection event without slug",
                        "{\"event\":\"Connection Created\",\"linked_account_id\":\"1\"}",
                        Optional.of("Connection Created")),
                Arguments.of("a connection event without linked_account_id",
                        "{\"event\":\"Connection Expired\",\"slug\":\"hubspot\"}",
                        Optional.of("Connection Expired")),
                Arguments.of("a connection event whose linked_account_id is null",
                        "{\"event\":\"Connection Deleted\",\"linked_account_id\":null,\"slug\":\"hubspot\"}",
                        Optional.of("Connection Deleted")),
                Arguments.of("an unknown event with undocumented field types",
                        "{\"event\":\"Something New\",\"linked_account_id\":7,\"slug\":[1]}",
                        Optional.of("Something New")),
                Arguments.of("an event name in another case", "{\"event\":\"workflow errored\",\"instance_id\":\"1\"}",
                        Optional.of("workflow errored")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unknownBodies")
    void parsesBodiesItDoesNotModelToUnknownEvent(String description, String json, Optional<String> name) {
        WebhookEvent event = parser.parse(utf8(json));

        assertThat(event).isInstanceOf(UnknownEvent.class);
        assertThat(event.eventName()).isEqualTo(name);
        assertThat(event.eventType()).isEmpty();
        assertThat(event.payload().asString()).isEqualTo(json);
    }

    @Test
    void keepsUnknownFieldsReachableThroughJson() {
        WorkflowErrored event = (WorkflowErrored) parser.parse(utf8("{\"event\":\"Workflow Errored\","
                + "\"instance_id\":\"i-1\",\"error\":{\"code\":\"RATE_LIMITED\",\"retries\":[1,2,3]},\"extra\":true}"));

        JsonNode json = event.json();

        assertThat(json.path("error").path("code").asText()).isEqualTo("RATE_LIMITED");
        assertThat(json.path("error").path("retries").get(2).asInt()).isEqualTo(3);
        assertThat(json.path("extra").asBoolean()).isTrue();
        assertThat(event.json()).isNotSameAs(json).isEqualTo(json);
    }

    @Test
    void keepsACustomTemplateBodyReachableThroughJson() {
        WebhookEvent event = parser.parse(utf8("{\"text\":\"{{event.instance_id}}\",\"count\":3}"));

        assertThat(event.json().path("text").asText()).isEqualTo("{{event.instance_id}}");
        assertThat(event.json().path("count").asInt()).isEqualTo(3);
    }

    @Test
    void parsesMultiByteUtf8AndCrlfExactly() {
        String json = "{\r\n \"event\": \"Connection Created\",\r\n \"linked_account_id\": \"Zoë-客户-🚀\",\r\n"
                + " \"slug\": \"hubspot\",\r\n \"note\": \"line1\\r\\nline2 — ünïcödé\"\r\n}\r\n";
        byte[] body = utf8(json);

        ConnectionCreated event = (ConnectionCreated) parser.parse(body);

        assertThat(event.linkedAccountId()).isEqualTo("Zoë-客户-🚀");
        assertThat(event.json().path("note").asText()).isEqualTo("line1\r\nline2 — ünïcödé");
        assertThat(event.payload().toByteArray()).isEqualTo(body);
    }

    static Stream<Arguments> invalidBodies() {
        return Stream.of(
                Arguments.of("an empty body", "", Reason.EMPTY),
                Arguments.of("white space only", " \r\n\t ", Reason.EMPTY),
                Arguments.of("a truncated object", "{\"event\":\"Workflow Errored\",\"instance_id\":", Reason.MALFORMED_JSON),
                Arguments.of("a bare word", "confidentialwordinthebody", Reason.MALFORMED_JSON),
                Arguments.of("a bad value", "{\"event\":confidentialwordinthebody}", Reason.MALFORMED_JSON),
                Arguments.of("a missing comma", "{\"a\":\"1\" \"b\":\"2\"}", Reason.MALFORMED_JSON),
                Arguments.of("content after the object", "{\"event\":\"x\"} {\"event\":\"y\"}", Reason.MALFORMED_JSON),
                Arguments.of("trailing garbage", "{\"event\":\"x\"}confidentialwordinthebody", Reason.MALFORMED_JSON),
                Arguments.of("a top-level array", "[{\"event\":\"Workflow Errored\"}]", Reason.NOT_AN_OBJECT),
                Arguments.of("a top-level string", "\"Workflow Errored\"", Reason.NOT_AN_OBJECT),
                Arguments.of("a top-level number", "12345", Reason.NOT_AN_OBJECT),
                Arguments.of("a top-level null", "null", Reason.NOT_AN_OBJECT),
                Arguments.of("a top-level boolean", "true", Reason.NOT_AN_OBJECT),
                Arguments.of("a number for linked_account_id",
                        "{\"event\":\"Connection Created\",\"linked_account_id\":12345,\"slug\":\"hubspot\"}",
                        Reason.WRONG_FIELD_TYPE),
                Arguments.of("an object for instance_id",
                        "{\"event\":\"Workflow Errored\",\"instance_id\":{\"id\":\"1\"}}", Reason.WRONG_FIELD_TYPE),
                Arguments.of("an array for an optional field",
                        "{\"event\":\"Workflow Errored\",\"instance_id\":\"1\",\"status\":[\"ERRORED\"]}",
                        Reason.WRONG_FIELD_TYPE),
                Arguments.of("a boolean for slug",
                        "{\"event\":\"Connection Expired\",\"linked_account_id\":\"1\",\"slug\":true}",
                        Reason.WRONG_FIELD_TYPE),
                Arguments.of("a repeated instance_id",
                        "{\"event\":\"Workflow Errored\",\"instance_id\":\"1\",\"instance_id\":\"2\"}",
                        Reason.DUPLICATE_FIELD),
                Arguments.of("a repeated linked_account_id",
                        "{\"event\":\"Connection Created\",\"linked_account_id\":\"1\",\"slug\":\"s\","
                                + "\"linked_account_id\":\"2\"}", Reason.DUPLICATE_FIELD),
                Arguments.of("a repeated event",
                        "{\"event\":\"Workflow Errored\",\"instance_id\":\"1\",\"event\":\"Workflow Completed\"}",
                        Reason.DUPLICATE_FIELD),
                Arguments.of("a repeated event of unknown name", "{\"event\":\"a\",\"event\":\"b\"}",
                        Reason.DUPLICATE_FIELD),
                Arguments.of("invalid UTF-8", new String(new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xC3,
                        (byte) 0x28, '"', '}'}, StandardCharsets.ISO_8859_1), Reason.MALFORMED_JSON));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidBodies")
    void rejectsInvalidBodiesWithTheirReasonAndWithoutQuotingThem(String description, String json, Reason reason) {
        byte[] body = description.equals("invalid UTF-8")
                ? json.getBytes(StandardCharsets.ISO_8859_1) : utf8(json);

        assertThatThrownBy(() -> parser.parse(body))
                .isInstanceOfSatisfying(InvalidPayloadException.class, e -> {
                    assertThat(e.reason()).isEqualTo(reason);
                    assertThat(e.getMessage()).isNotBlank();
                    if (json.strip().length() > 8) {
                        assertThat(e.getMessage()).doesNotContain(json.strip());
                    }
                    assertThat(e.getMessage()).doesNotContain("confidentialwordinthebody");
                });
    }

    @Test
    void rejectsNestingDeeperThanTheLimit() {
        String deep = "{\"event\":\"Workflow Errored\",\"instance_id\":\"1\",\"x\":" + "[".repeat(100)
                + "]".repeat(100) + "}";
        String shallow = "{\"event\":\"Workflow Errored\",\"instance_id\":\"1\",\"x\":" + "[".repeat(10)
                + "]".repeat(10) + "}";

        assertThat(parser.parse(utf8(shallow))).isInstanceOf(WorkflowErrored.class);
        assertThatThrownBy(() -> parser.parse(utf8(deep)))
                .isInstanceOfSatisfying(InvalidPayloadException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.LIMIT_EXCEEDED);
                    assertThat(e.getMessage()).doesNotContain("[[[");
                });
    }

    @Test
    void honoursAConfiguredNestingLimit() {
        EventParser strict = EventParser.withLimits(new ReadLimits(3, 1000, 20, 100, 10_000));

        assertThat(strict.parse(utf8("{\"a\":{\"b\":[1]}}"))).isInstanceOf(UnknownEvent.class);
        assertThatThrownBy(() -> strict.parse(utf8("{\"a\":{\"b\":[[1]]}}")))
                .isInstanceOfSatisfying(InvalidPayloadException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.LIMIT_EXCEEDED));
    }

    @Test
    void rejectsANumberLongerThanTheLimitEvenInAnUndocumentedField() {
        String digits = "9".repeat(ReadLimits.defaults().maxNumberLength() + 1);
        String json = "{\"event\":\"Workflow Errored\",\"instance_id\":\"1\",\"amount\":" + digits + "}";

        assertThatThrownBy(() -> parser.parse(utf8(json)))
                .isInstanceOfSatisfying(InvalidPayloadException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.LIMIT_EXCEEDED);
                    assertThat(e.getMessage()).doesNotContain(digits);
                });
    }

    @Test
    void rejectsALongFractionalNumberToo() {
        String digits = "1." + "5".repeat(ReadLimits.defaults().maxNumberLength() + 1);
        String json = "{\"amount\":" + digits + "}";

        assertThatThrownBy(() -> parser.parse(utf8(json)))
                .isInstanceOfSatisfying(InvalidPayloadException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.LIMIT_EXCEEDED));
    }

    @Test
    void acceptsANumberAtTheLimit() {
        String digits = "9".repeat(ReadLimits.defaults().maxNumberLength());

        assertThat(parser.parse(utf8("{\"amount\":" + digits + "}"))).isInstanceOf(UnknownEvent.class);
    }

    @Test
    void rejectsADocumentedStringLongerThanTheLimit() {
        EventParser strict = EventParser.withLimits(new ReadLimits(8, 10, 10, 100, 10_000));

        assertThat(strict.parse(utf8("{\"slug\":\"" + "x".repeat(10) + "\"}"))).isInstanceOf(UnknownEvent.class);
        assertThatThrownBy(() -> strict.parse(utf8("{\"slug\":\"" + "x".repeat(11) + "\"}")))
                .isInstanceOfSatisfying(InvalidPayloadException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.LIMIT_EXCEEDED));
    }

    @Test
    void rejectsRepeatedKeysAtAnyDepthWhenReadingTheTree() {
        WebhookEvent event = parser.parse(utf8("{\"x\":{\"a\":1,\"a\":2}}"));

        assertThatThrownBy(event::json)
                .isInstanceOfSatisfying(InvalidPayloadException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.MALFORMED_JSON));
    }

    @Test
    void returnsTheSameParserForTheDefaultLimits() {
        assertThat(EventParser.withLimits(ReadLimits.defaults())).isSameAs(EventParser.standard());
        assertThat(EventParser.standard().limits()).isEqualTo(ReadLimits.defaults());
    }

    @Test
    void rejectsNonPositiveLimits() {
        assertThatThrownBy(() -> new ReadLimits(0, 1, 1, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ReadLimits(1, 1, 1, 1, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void mapsWireNamesToEventTypesExactly() {
        for (EventType type : EventType.values()) {
            assertThat(EventType.fromWireName(type.wireName())).contains(type);
        }
        assertThat(EventType.fromWireName("workflow errored")).isEmpty();
        assertThat(EventType.CONNECTION_EXPIRED.isConnectionEvent()).isTrue();
        assertThat(EventType.WORKFLOW_ERRORED.isConnectionEvent()).isFalse();
    }
}
