package ai.refold.webhooks.spring.inbox;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.idempotency.InboxState;
import ai.refold.webhooks.spring.autoconfigure.RefoldWebhookMetrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.MeterRegistry;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The refoldinbox endpoint and the refoldInbox health indicator over real HTTP, on Tomcat and H2, behind Spring
 * Security as an operator would set them up: dead letters listed, inspected, replayed and discarded.
 */
@SpringBootTest(classes = InboxApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "refold.webhooks.keys.test=" + InboxApplication.API_KEY,
            "refold.webhooks.inbox.enabled=true",
            "refold.webhooks.inbox.jdbc.create-table=true",
            "refold.webhooks.inbox.poll-interval=50ms",
            "refold.webhooks.inbox.retry.max-attempts=2",
            "refold.webhooks.inbox.retry.initial-backoff=10ms",
            "refold.webhooks.inbox.retry.max-backoff=20ms",
            "management.endpoints.web.exposure.include=health,refoldinbox",
            "management.endpoint.health.show-details=always"
        })
class RefoldInboxEndpointTest {

    private static final String ENDPOINT = "/actuator/refoldinbox";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Value("${local.server.port}")
    int port;

    @Autowired
    InboxHandlers handlers;

    @Autowired
    InboxAttempts attempts;

    @Autowired
    MeterRegistry meters;

    OperatorHttp http;

    @BeforeEach
    void setUp() {
        http = new OperatorHttp(port);
    }

    // Delivers a Workflow Errored whose handler fails until fixed, and waits until it is dead; returns its key.
    private String deadLetter(String instanceId) throws InterruptedException {
        handlers.breakFor(instanceId);
        byte[] body = Workflows.body(EventType.WORKFLOW_ERRORED, instanceId);
        assertThat(http.deliver(body).statusCode()).isEqualTo(200);
        String key = Workflows.key(body);
        attempts.await(key, InboxState.DEAD);
        return key;
    }

    @Test
    void aDeadLetterIsListedInspectedReplayedThroughTheEndpointAndThenHandledOnce() throws Exception {
        String id = "d0d0d0d0d0d0d0d0d0d0d0d0";
        String key = deadLetter(id);

        JsonNode listing = http.operator("GET", ENDPOINT + "?state=dead&eventType=Workflow%20Errored", null, 200);
        assertThat(listing.at("/stats/entries/DEAD").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(listing.at("/stats/estimated").isArray()).as("no count estimated").isTrue();
        assertThat(listing.at("/stats/estimated")).isEmpty();
        JsonNode listed = entry(listing.get("entries"), key);
        assertThat(listed.get("state").asText()).isEqualTo("DEAD");
        assertThat(listed.get("attempts").asInt()).isEqualTo(2);

        JsonNode entry = http.operator("GET", ENDPOINT + "/" + OperatorHttp.segment(key), null, 200);
        assertThat(entry.get("key").asText()).isEqualTo(key);
        assertThat(entry.get("eventType").asText()).isEqualTo("Workflow Errored");
        assertThat(entry.get("keyLabel").asText()).isEqualTo("test");
        assertThat(entry.get("lastError").asText())
                .isEqualTo("java.lang.IllegalStateException: CRM unavailable for run " + id);
        assertThat(entry.get("bodyBytes").asInt()).isEqualTo(Workflows.body(EventType.WORKFLOW_ERRORED, id).length);
        assertThat(entry.toString()).doesNotContain("Export contact to Hubspot").doesNotContain("linked_account_id")
                .doesNotContain(InboxApplication.API_KEY).doesNotContain("sha256").doesNotContain("x-cobalt-signature");

        handlers.fix(id);
        double replaysBefore = meters.get(RefoldWebhookMetrics.INBOX_REPLAYS).counter().count();
        JsonNode replayed = http.operator("POST", ENDPOINT + "/" + OperatorHttp.segment(key), "{}", 200);
        assertThat(replayed.get("entries").asInt()).isEqualTo(1);

        attempts.await(key, InboxState.DONE);
        assertThat(handlers.runs(id)).hasSize(1);
        JsonNode done = http.operator("GET", ENDPOINT + "/" + OperatorHttp.segment(key), null, 200);
        assertThat(done.get("state").asText()).isEqualTo("DONE");
        assertThat(meters.get(RefoldWebhookMetrics.INBOX_REPLAYS).counter().count()).isEqualTo(replaysBefore + 1);
        JsonNode again = http.operator("POST", ENDPOINT + "/" + OperatorHttp.segment(key), "{}", 200);
        assertThat(again.get("entries").asInt()).isZero();
        assertThat(again.get("detail").asText()).isEqualTo("not a dead letter: it is DONE");
    }

    @Test
    void replayingByEventTypeAndReceiveTimeReplaysOnlyTheDeadLettersThatMatch() throws Exception {
        String earlier = deadLetter("e1e1e1e1e1e1e1e1e1e1e1e1");
        Instant between = Instant.now();
        String later = deadLetter("e2e2e2e2e2e2e2e2e2e2e2e2");
        handlers.fix("e1e1e1e1e1e1e1e1e1e1e1e1");
        handlers.fix("e2e2e2e2e2e2e2e2e2e2e2e2");

        JsonNode otherType = http.operator("POST", ENDPOINT, "{\"eventType\": \"Connection Created\"}", 200);
        assertThat(otherType.get("entries").asInt()).isZero();
        JsonNode fromBetween = http.operator("POST", ENDPOINT, "{\"eventType\": \"Workflow Errored\", \"from\": \""
                + between + "\", \"to\": \"" + Instant.now().plusSeconds(60) + "\"}", 200);

        assertThat(fromBetween.get("entries").asInt()).isEqualTo(1);
        attempts.await(later, InboxState.DONE);
        JsonNode untouched = http.operator("GET", ENDPOINT + "/" + OperatorHttp.segment(earlier), null, 200);
        assertThat(untouched.get("state").asText()).isEqualTo("DEAD");
        assertThat(handlers.runs("e1e1e1e1e1e1e1e1e1e1e1e1")).isEmpty();
    }

    @Test
    void replayingBySelectionNeedsAFilterOrAnExplicitAllSoThatAnEmptyRequestReplaysNothing() throws Exception {
        String id = "b1b1b1b1b1b1b1b1b1b1b1b1";
        String key = deadLetter(id);
        handlers.fix(id);

        for (String body : new String[] {"{}", "{\"all\": false}", "{\"limit\": 5}", "{\"eventtype\": \"x\"}"}) {
            JsonNode refused = http.operator("POST", ENDPOINT, body, 400);
            assertThat(refused.get("entries").asInt()).as(body).isZero();
            assertThat(refused.get("detail").asText()).as(body).isEqualTo("name the dead letters with a key, with"
                    + " eventType, from or to, or set all to true for every dead letter");
        }
        JsonNode allAndAFilter = http.operator("POST", ENDPOINT,
                "{\"all\": true, \"eventType\": \"Workflow Errored\"}", 400);
        assertThat(allAndAFilter.get("detail").asText())
                .isEqualTo("all selects every dead letter: leave out eventType, from and to");
        assertThat(http.operator("GET", ENDPOINT + "/" + OperatorHttp.segment(key), null, 200).get("state").asText())
                .isEqualTo("DEAD");

        JsonNode all = http.operator("POST", ENDPOINT, "{\"all\": true}", 200);

        assertThat(all.get("entries").asInt()).isGreaterThanOrEqualTo(1);
        attempts.await(key, InboxState.DONE);
        assertThat(handlers.runs(id)).hasSize(1);
    }

    @Test
    void aKeyHoldingASlashIsShownReplayedAndDiscardedWithTheSlashAsItIsInThePath() throws Exception {
        String replayedId = "c1c1c1c1c1c1/eu-1";
        String replayed = deadLetter(replayedId);
        String discarded = deadLetter("c2c2c2c2c2c2/eu-1");
        handlers.fix(replayedId);

        JsonNode shown = http.operator("GET", ENDPOINT + "/" + path(replayed), null, 200);
        assertThat(shown.get("key").asText()).isEqualTo(replayed);
        assertThat(http.operator("POST", ENDPOINT + "/" + path(replayed), "{}", 200).get("entries").asInt())
                .isEqualTo(1);
        attempts.await(replayed, InboxState.DONE);
        assertThat(handlers.runs(replayedId)).hasSize(1);
        assertThat(http.operator("DELETE", ENDPOINT + "/" + path(discarded), null, 200).get("entries").asInt())
                .isEqualTo(1);
        assertThat(http.call(InboxApplication.OPERATOR, "GET", ENDPOINT + "/" + path(discarded), null).statusCode())
                .isEqualTo(404);
    }

    @Test
    void anyKeyIsListedReplayedAndDiscardedByTheKeyParameterEvenOneThePathCannotCarry() throws Exception {
        // An instance id ends its key unescaped, as a linked_account_id or a slug may hold these characters.
        for (String account : List.of("/eu-1", ";eu-1", "%3Beu-1", "//eu-1/")) {
            String replayedId = "c3c3c3c3c3c3" + account;
            String replayed = deadLetter(replayedId);
            String discarded = deadLetter("c4c4c4c4c4c4" + account);
            handlers.fix(replayedId);

            JsonNode listed = http.operator("GET", ENDPOINT + "?key=" + OperatorHttp.segment(replayed), null, 200);
            assertThat(listed.get("entries")).as(replayed).hasSize(1);
            assertThat(listed.at("/entries/0/key").asText()).isEqualTo(replayed);
            JsonNode replay = http.operator("POST", ENDPOINT, JSON.writeValueAsString(Map.of("key", replayed)), 200);
            assertThat(replay.get("entries").asInt()).as(replayed).isEqualTo(1);
            attempts.await(replayed, InboxState.DONE);
            assertThat(handlers.runs(replayedId)).hasSize(1);
            JsonNode discard = http.operator("DELETE", ENDPOINT + "?key=" + OperatorHttp.segment(discarded), null,
                    200);
            assertThat(discard.get("entries").asInt()).as(discarded).isEqualTo(1);
            assertThat(http.operator("GET", ENDPOINT + "?key=" + OperatorHttp.segment(discarded), null, 200)
                    .get("entries")).isEmpty();
        }
    }

    @Test
    void theKeyParameterNamesOneDeadLetterAndNothingElse() throws Exception {
        String key = deadLetter("c5c5c5c5c5c5c5c5c5c5c5c5");

        JsonNode withAFilter = http.operator("POST", ENDPOINT,
                JSON.writeValueAsString(Map.of("key", key, "eventType", "Workflow Errored")), 400);
        assertThat(withAFilter.get("detail").asText())
                .isEqualTo("key names one dead letter: leave out eventType, from, to, all and limit");
        assertThat(http.operator("POST", ENDPOINT, "{\"key\": \"\"}", 400).get("detail").asText())
                .isEqualTo("key must not be empty");
        assertThat(http.operator("DELETE", ENDPOINT + "?key=" + OperatorHttp.segment(key) + "&all=true", null, 400)
                .get("entries").asInt()).isZero();
        assertThat(http.call(InboxApplication.OPERATOR, "GET", ENDPOINT + "?key=", null).statusCode())
                .isEqualTo(400);
        assertThat(http.operator("GET", ENDPOINT + "/" + OperatorHttp.segment(key), null, 200).get("state")
                .asText()).isEqualTo("DEAD");
    }

    @Test
    void discardingADeadLetterDeletesItSoThatReadingItAnswers404() throws Exception {
        String key = deadLetter("f0f0f0f0f0f0f0f0f0f0f0f0");

        JsonNode discarded = http.operator("DELETE", ENDPOINT + "/" + OperatorHttp.segment(key), null, 200);

        assertThat(discarded.get("entries").asInt()).isEqualTo(1);
        assertThat(http.call(InboxApplication.OPERATOR, "GET", ENDPOINT + "/" + OperatorHttp.segment(key), null)
                .statusCode()).isEqualTo(404);
        JsonNode again = http.operator("DELETE", ENDPOINT + "/" + OperatorHttp.segment(key), null, 200);
        assertThat(again.get("detail").asText()).isEqualTo("no delivery with this key");
    }

    @Test
    void discardingBySelectionTakesTheReplaysFiltersInTheQueryAndNeedsOneOrAll() throws Exception {
        String earlier = deadLetter("g1g1g1g1g1g1g1g1g1g1g1g1");
        Instant between = Instant.now();
        String later = deadLetter("g2g2g2g2g2g2g2g2g2g2g2g2");
        String noSelection = "name the dead letters with a key, with eventType, from or to, or set all to true for"
                + " every dead letter";

        assertThat(http.operator("DELETE", ENDPOINT, null, 400).get("detail").asText()).isEqualTo(noSelection);
        assertThat(http.operator("DELETE", ENDPOINT, "{\"eventType\": \"Workflow Errored\"}", 400).get("detail")
                .asText()).as("a DELETE's body is not read").isEqualTo(noSelection);
        assertThat(http.operator("DELETE", ENDPOINT + "?all=true&eventType=Workflow%20Errored", null, 400)
                .get("detail").asText()).isEqualTo("all selects every dead letter: leave out eventType, from and to");
        JsonNode discarded = http.operator("DELETE", ENDPOINT + "?eventType=Workflow%20Errored&from=" + between
                + "&to=" + Instant.now().plusSeconds(60), null, 200);

        assertThat(discarded.get("entries").asInt()).isEqualTo(1);
        assertThat(discarded.get("detail").asText()).isEqualTo("discarded 1 dead letters");
        assertThat(http.call(InboxApplication.OPERATOR, "GET", ENDPOINT + "/" + OperatorHttp.segment(later), null)
                .statusCode()).isEqualTo(404);
        assertThat(http.operator("GET", ENDPOINT + "/" + OperatorHttp.segment(earlier), null, 200).get("state")
                .asText()).isEqualTo("DEAD");
        JsonNode one = http.operator("DELETE", ENDPOINT + "?all=true&limit=1", null, 200);
        assertThat(one.get("entries").asInt()).isEqualTo(1);
        assertThat(one.get("detail").asText()).isEqualTo("discarded 1 dead letters, the limit: more may match");
    }

    @Test
    void theEndpointIsSecuredLikeAnyActuatorEndpoint() {
        assertThat(http.call(null, "GET", ENDPOINT, null).statusCode()).isEqualTo(401);
        assertThat(http.call(InboxApplication.VIEWER, "GET", ENDPOINT, null).statusCode()).isEqualTo(403);
        assertThat(http.call(InboxApplication.VIEWER, "POST", ENDPOINT, "{}").statusCode()).isEqualTo(403);
        assertThat(http.call(null, "DELETE", ENDPOINT + "/any-key", null).statusCode()).isEqualTo(401);
        assertThat(http.call(InboxApplication.OPERATOR, "GET", ENDPOINT, null).statusCode()).isEqualTo(200);
    }

    @Test
    void aFilterTheStoreCannotTakeIsAnsweredBadRequestNamingIt() {
        List.of("?state=sleeping", "?from=yesterday", "?limit=0", "?limit=1001").forEach(query -> {
            var response = http.call(InboxApplication.OPERATOR, "GET", ENDPOINT + query, null);
            assertThat(response.statusCode()).as(query).isEqualTo(400);
        });
    }

    @Test
    void aWriteParameterActuatorCannotConvertIsAnsweredBadRequestAndActsOnNothing() throws Exception {
        String key = deadLetter("b4b4b4b4b4b4b4b4b4b4b4b4");

        assertThat(http.call(InboxApplication.OPERATOR, "POST", ENDPOINT, "{\"all\": true, \"limit\": \"ten\"}")
                .statusCode()).isEqualTo(400);
        assertThat(http.call(InboxApplication.OPERATOR, "DELETE", ENDPOINT + "?all=maybe", null).statusCode())
                .isEqualTo(400);
        assertThat(http.call(InboxApplication.OPERATOR, "DELETE", ENDPOINT + "?all=true&limit=ten", null).statusCode())
                .isEqualTo(400);
        assertThat(http.operator("GET", ENDPOINT + "/" + OperatorHttp.segment(key), null, 200).get("state").asText())
                .isEqualTo("DEAD");
    }

    @Test
    void anEventTypeNoDeliveryCanHaveIsAnsweredBadRequestNamingTheOnesThatExist() throws Exception {
        String key = deadLetter("b3b3b3b3b3b3b3b3b3b3b3b3");
        String expected = "eventType must be one of [Connection Created, Connection Deleted, Connection Expired,"
                + " Workflow Completed, Workflow Errored] or unknown, as written there";

        for (String typo : new String[] {"Workflow errored", "workflow_errored", "Workflow%20Errored", "Unknown"}) {
            assertThat(http.call(InboxApplication.OPERATOR, "GET", ENDPOINT + "?eventType="
                    + OperatorHttp.segment(typo), null).statusCode()).as(typo).isEqualTo(400);
            assertThat(http.operator("POST", ENDPOINT, JSON.writeValueAsString(Map.of("eventType", typo)), 400)
                    .get("detail").asText()).as(typo).isEqualTo(expected);
            assertThat(http.operator("DELETE", ENDPOINT + "?eventType=" + OperatorHttp.segment(typo), null, 400)
                    .get("detail").asText()).as(typo).isEqualTo(expected);
        }
        http.operator("GET", ENDPOINT + "?eventType=unknown", null, 200);
        assertThat(http.operator("GET", ENDPOINT + "?state=DEAD&eventType=Workflow%20Errored", null, 200)
                .get("entries").findValuesAsText("key")).contains(key);
        assertThat(http.operator("GET", ENDPOINT + "/" + OperatorHttp.segment(key), null, 200).get("state").asText())
                .isEqualTo("DEAD");
    }

    @Test
    void aFromThatIsNotBeforeToIsAnsweredBadRequestNamingBoth() throws Exception {
        String key = deadLetter("b2b2b2b2b2b2b2b2b2b2b2b2");
        String earlier = "2024-05-01T00:00:00Z";
        String later = "2024-05-02T00:00:00Z";

        for (String[] range : new String[][] {{later, earlier}, {earlier, earlier}}) {
            String query = "?from=" + range[0] + "&to=" + range[1];
            assertThat(http.call(InboxApplication.OPERATOR, "GET", ENDPOINT + query, null).statusCode()).as(query)
                    .isEqualTo(400);
            JsonNode replay = http.operator("POST", ENDPOINT, JSON.writeValueAsString(
                    Map.of("from", range[0], "to", range[1])), 400);
            assertThat(replay.get("detail").asText()).as(query)
                    .isEqualTo("from (" + range[0] + ") must be before to (" + range[1] + ")");
        }
        JsonNode reversed = http.operator("POST", ENDPOINT, JSON.writeValueAsString(
                Map.of("from", Instant.now().plusSeconds(60).toString(), "to", "2024-05-01T00:00:00Z")), 400);
        assertThat(reversed.get("entries").asInt()).isZero();
        assertThat(http.operator("GET", ENDPOINT + "/" + OperatorHttp.segment(key), null, 200).get("state").asText())
                .isEqualTo("DEAD");
    }

    @Test
    void theHealthIndicatorShowsTheInboxAsRefoldInboxWithItsThresholdAndNoSecrets() throws Exception {
        deadLetter("a0a0a0a0a0a0a0a0a0a0a0a0");

        var response = http.call(null, "GET", "/actuator/health/refoldInbox", null);

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode health = new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.body());
        assertThat(health.get("status").asText()).isEqualTo("UP");
        assertThat(health.at("/details/maxDueAgeSeconds").asLong()).isEqualTo(600);
        assertThat(health.at("/details/entries").isMissingNode()).as("counts are the endpoint's and the gauges'")
                .isTrue();
        assertThat(response.body()).doesNotContain("jdbc:h2").doesNotContain("database-password-for-tests")
                .doesNotContain(InboxApplication.API_KEY);
    }

    // The key in the path with each '/' as it is and everything else encoded.
    private static String path(String key) {
        return Arrays.stream(key.split("/", -1)).map(OperatorHttp::segment).collect(Collectors.joining("/"));
    }

    private static JsonNode entry(JsonNode entries, String key) {
        for (JsonNode entry : entries) {
            if (entry.get("key").asText().equals(key)) {
                return entry;
            }
        }
        throw new AssertionError(key + " is not among " + entries);
    }
}
