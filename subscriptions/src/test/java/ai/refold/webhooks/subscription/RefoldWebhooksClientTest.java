package ai.refold.webhooks.subscription;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.signature.SigningKey;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

class RefoldWebhooksClientTest {

    private static final String API_KEY = "sk_test_Zq81fakeKEYvalue7731";
    private static final ObjectMapper JSON = new ObjectMapper();

    private FakeRefoldApi api;
    private RefoldWebhooksClient client;

    @BeforeEach
    void startFakeApi() throws IOException {
        api = FakeRefoldApi.start();
        client = clientFor(api.baseUri(), Duration.ofSeconds(10));
    }

    @AfterEach
    void stopFakeApi() {
        api.close();
    }

    private static RefoldWebhooksClient clientFor(URI baseUri, Duration timeout) {
        return RefoldWebhooksClient.builder().apiKey(API_KEY).baseUri(baseUri).timeout(timeout).build();
    }

    private static WebhookSubscription documentedExample() {
        return WebhookSubscription.builder()
                .url("https://your-app.com/webhooks")
                .events(EventType.WORKFLOW_ERRORED, EventType.CONNECTION_EXPIRED)
                .payloadType(PayloadType.DEFAULT)
                .build();
    }

    @Test
    void sendsTheDocumentedRequestWithUnsetOptionalsLeftOut() throws Exception {
        api.answering(200, DocumentedBodies.CREATED);

        client.createWebhook(documentedExample());

        assertThat(api.received()).hasSize(1);
        FakeRefoldApi.Received request = api.received().get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/api/v2/public/webhook");
        assertThat(request.header("x-api-key")).isEqualTo(API_KEY);
        assertThat(request.header("content-type")).isEqualTo("application/json");
        assertThat(JSON.readTree(request.body())).isEqualTo(JSON.readTree("""
                {
                  "webhook_url": "https://your-app.com/webhooks",
                  "webhook_events": ["Workflow Errored", "Connection Expired"],
                  "webhook_type": "default"
                }
                """));
    }

    @Test
    void sendsEveryOptionalFieldUnderItsWireName() throws Exception {
        api.answering(200, DocumentedBodies.CREATED);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", "Bearer receiver-token");
        headers.put("X-Team", "payments");

        client.createWebhook(WebhookSubscription.builder()
                .url("http://localhost:8080/hooks")
                .event("Workflow Completed")
                .event(EventType.WORKFLOW_ERRORED)
                .payloadType(PayloadType.CUSTOM)
                .method(DeliveryMethod.PATCH)
                .headers(headers)
                .bodyTemplate("{\"kind\": \"{{event}}\"}")
                .slug("salesforce")
                .workflowIds("wf-1", "wf-2")
                .build());

        ObjectNode expected = JSON.createObjectNode();
        expected.put("webhook_url", "http://localhost:8080/hooks");
        expected.putArray("webhook_events").add("Workflow Completed").add("Workflow Errored");
        expected.put("webhook_type", "custom");
        expected.put("method", "PATCH");
        expected.putObject("webhook_headers").put("Authorization", "Bearer receiver-token").put("X-Team", "payments");
        expected.put("webhook_body", "{\"kind\": \"{{event}}\"}");
        expected.put("slug", "salesforce");
        expected.putArray("workflow_ids").add("wf-1").add("wf-2");
        assertThat(JSON.readTree(api.received().get(0).body())).isEqualTo(expected);
    }

    @Test
    void readsTheDocumentedAnswerAsACreatedWebhook() {
        api.answering(200, DocumentedBodies.CREATED);

        CreatedWebhook created = client.createWebhook(documentedExample());

        assertThat(created.id()).isEqualTo("6a313eda6d5528bdcf71ebac");
        assertThat(created.orgId()).isEqualTo("6500a1b2c3d4e5f6a7b8c9d0");
        assertThat(created.environment()).isEqualTo("test");
        assertThat(created.isLive()).isFalse();
        assertThat(created.enabled()).isTrue();
        assertThat(created.events()).containsExactly("Workflow Errored", "Connection Expired");
        assertThat(created.eventTypes()).containsExactly(EventType.WORKFLOW_ERRORED, EventType.CONNECTION_EXPIRED);
        assertThat(created.url()).isEqualTo("https://your-app.com/webhooks");
        assertThat(created.type()).isEqualTo("default");
        assertThat(created.method()).isEqualTo("POST");
        assertThat(created.bodyTemplate()).isEqualTo("{{event}}");
        assertThat(created.workflowIds()).isEmpty();
        assertThat(created.createdAt()).isEqualTo(Instant.parse("2026-06-16T12:17:30.231Z"));
    }

    @Test
    void keepsATemplateThatIsNotAStringAsItsJsonText() throws Exception {
        ObjectNode body = (ObjectNode) JSON.readTree(DocumentedBodies.CREATED);
        body.putObject("webhook_body").put("text", "{{event.name}}");
        body.putArray("workflow_ids").add("wf-9");
        body.put("someFieldAddedLater", 42);
        api.answering(201, body.toString());

        CreatedWebhook created = client.createWebhook(documentedExample());

        assertThat(JSON.readTree(created.bodyTemplate())).isEqualTo(JSON.readTree("{\"text\":\"{{event.name}}\"}"));
        assertThat(created.workflowIds()).containsExactly("wf-9");
    }

    @Test
    void turnsTheDocumentedErrorIntoABadRequestWithItsFields() {
        api.answering(400, DocumentedBodies.BAD_REQUEST);

        RefoldApiException failure = catchThrowableOfType(RefoldApiException.class,
                () -> client.createWebhook(documentedExample()));

        assertThat(failure.reason()).isEqualTo(RefoldApiException.Reason.BAD_REQUEST);
        assertThat(failure.statusCode()).hasValue(400);
        assertThat(failure.httpErrorType()).hasValue("BAD_REQUEST");
        assertThat(failure.errorCode()).hasValue("INVALID_EVENT");
        assertThat(failure.apiMessage()).hasValue("Invalid event. Check events list in documentation.");
        assertThat(failure.webhookId()).isEmpty();
        assertThat(failure.getMessage()).contains("400", "INVALID_EVENT",
                "Invalid event. Check events list in documentation.");
    }

    @ParameterizedTest(name = "{0} is reported as {1}")
    @CsvSource({
            "401, UNAUTHORIZED",
            "403, FORBIDDEN",
            "500, SERVER_ERROR",
            "503, SERVER_ERROR",
            "404, UNEXPECTED_RESPONSE",
            "302, UNEXPECTED_RESPONSE"})
    void mapsEachStatusToItsReason(int status, RefoldApiException.Reason reason) {
        api.answering(status, "{\"message\": \"no\"}");

        RefoldApiException failure = catchThrowableOfType(RefoldApiException.class,
                () -> client.createWebhook(documentedExample()));

        assertThat(failure.reason()).isEqualTo(reason);
        assertThat(failure.statusCode()).hasValue(status);
    }

    @Test
    void reportsABadRequestWithoutTheDocumentedBodyAsUnexpected() {
        api.answering(400, "<html>Bad Request</html>");

        RefoldApiException failure = catchThrowableOfType(RefoldApiException.class,
                () -> client.createWebhook(documentedExample()));

        assertThat(failure.reason()).isEqualTo(RefoldApiException.Reason.UNEXPECTED_RESPONSE);
        assertThat(failure.statusCode()).hasValue(400);
        assertThat(failure.errorCode()).isEmpty();
        assertThat(failure.getMessage()).doesNotContain("<html>");
    }

    @Test
    void reportsASuccessThatIsNotJsonAsUnexpected() {
        api.answering(200, "OK");

        RefoldApiException failure = catchThrowableOfType(RefoldApiException.class,
                () -> client.createWebhook(documentedExample()));

        assertThat(failure.reason()).isEqualTo(RefoldApiException.Reason.UNEXPECTED_RESPONSE);
        assertThat(failure.webhookId()).isEmpty();
        assertThat(failure.getMessage()).contains("not JSON", "may have been created");
    }

    @Test
    void namesTheCreatedWebhookWhenItsAnswerLacksADocumentedField() throws Exception {
        ObjectNode body = (ObjectNode) JSON.readTree(DocumentedBodies.CREATED);
        body.remove("createdAt");
        api.answering(200, body.toString());

        RefoldApiException failure = catchThrowableOfType(RefoldApiException.class,
                () -> client.createWebhook(documentedExample()));

        assertThat(failure.reason()).isEqualTo(RefoldApiException.Reason.UNEXPECTED_RESPONSE);
        assertThat(failure.webhookId()).hasValue("6a313eda6d5528bdcf71ebac");
        assertThat(failure.getMessage()).contains("createdAt", "6a313eda6d5528bdcf71ebac");
    }

    @Test
    void refusesAnAnswerOverAMebibyteAsUnexpected() {
        api.answering(200, "{\"_id\": \"" + "x".repeat(1 << 20) + "\"}");

        RefoldApiException failure = catchThrowableOfType(RefoldApiException.class,
                () -> client.createWebhook(documentedExample()));

        assertThat(failure.reason()).isEqualTo(RefoldApiException.Reason.UNEXPECTED_RESPONSE);
        assertThat(failure.statusCode()).hasValue(200);
        assertThat(failure.getMessage()).contains("over 1048576 bytes");
    }

    @Test
    void reportsAnAnswerLaterThanTheTimeoutAsATimeout() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        api.answering(request -> {
            release.await(10, TimeUnit.SECONDS); // bounded, so a broken client cannot hang the build
            return new FakeRefoldApi.Answer(200, DocumentedBodies.CREATED);
        });
        RefoldWebhooksClient impatient = clientFor(api.baseUri(), Duration.ofMillis(200));

        try {
            RefoldApiException failure = catchThrowableOfType(RefoldApiException.class,
                    () -> impatient.createWebhook(documentedExample()));

            assertThat(failure.reason()).isEqualTo(RefoldApiException.Reason.TIMEOUT);
            assertThat(failure.statusCode()).isEmpty();
            assertThat(failure.getMessage()).contains("PT0.2S", "may or may not have been created");
        } finally {
            release.countDown();
        }
    }

    @Test
    void reportsABodyThatStallsAfterTheHeadersAsATimeout() {
        CountDownLatch release = new CountDownLatch(1);
        api.answeringUnfinished(201, "{\"_id\": \"6a313eda", Duration.ofDays(1), release);
        // Long enough for the headers to arrive on a loaded machine (the status is asserted: it is known only once
        // they have), and still far short of the body, which stalls until released: only the timeout ends the call.
        RefoldWebhooksClient impatient = clientFor(api.baseUri(), Duration.ofSeconds(3));

        try {
            // preemptively: before the fix the call waited for the rest of the body for as long as it took
            RefoldApiException failure = assertTimeoutPreemptively(Duration.ofSeconds(15), () ->
                    catchThrowableOfType(RefoldApiException.class, () -> impatient.createWebhook(documentedExample())));

            assertThat(failure.reason()).isEqualTo(RefoldApiException.Reason.TIMEOUT);
            assertThat(failure.statusCode()).hasValue(201);
            assertThat(failure.webhookId()).isEmpty();
            assertThat(failure.getMessage()).contains("201", "PT3S", "may or may not have been created");
        } finally {
            release.countDown();
        }
    }

    @Test
    void reportsABodyThatTricklesPastTheTimeoutAsATimeoutAndClosesTheConnection() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        // a byte every 50 ms: no single read waits long, but the whole answer takes longer than the timeout
        api.answeringUnfinished(201, "{\"_id\": \"6a313eda", Duration.ofMillis(50), release);
        RefoldWebhooksClient impatient = clientFor(api.baseUri(), Duration.ofMillis(500));

        try {
            RefoldApiException failure = assertTimeoutPreemptively(Duration.ofSeconds(5), () ->
                    catchThrowableOfType(RefoldApiException.class, () -> impatient.createWebhook(documentedExample())));

            assertThat(failure.reason()).isEqualTo(RefoldApiException.Reason.TIMEOUT);
            assertThat(failure.getMessage()).contains("may or may not have been created");
            assertThat(api.awaitUnfinishedBodyAbandoned(Duration.ofSeconds(5))).as("request cancelled").isTrue();
        } finally {
            release.countDown();
        }
    }

    @Test
    void reportsARefusedConnectionAsANetworkFailure() {
        URI closed = api.baseUri();
        api.close();
        RefoldWebhooksClient unreachable = clientFor(closed, Duration.ofSeconds(10));

        RefoldApiException failure = catchThrowableOfType(RefoldApiException.class,
                () -> unreachable.createWebhook(documentedExample()));

        assertThat(failure.reason()).isEqualTo(RefoldApiException.Reason.NETWORK);
        assertThat(failure.statusCode()).isEmpty();
        assertThat(failure.getCause()).isInstanceOf(IOException.class);
    }

    static Stream<Arguments> invalidSubscriptions() {
        return Stream.of(
                Arguments.of("a URL without a scheme", (Consumer<WebhookSubscription.Builder>)
                        builder -> builder.url("your-app.com/webhooks"), "^https?://"),
                Arguments.of("an ftp URL", (Consumer<WebhookSubscription.Builder>)
                        builder -> builder.url("ftp://your-app.com/webhooks"), "^https?://"),
                Arguments.of("an event name that is not documented", (Consumer<WebhookSubscription.Builder>)
                        builder -> builder.event("Workflow Started"), "unknown event 'Workflow Started'"),
                Arguments.of("a slug with a connection event", (Consumer<WebhookSubscription.Builder>)
                        builder -> builder.slug("hubspot"), "remove Connection Expired"),
                Arguments.of("a payload type that is not documented", (Consumer<WebhookSubscription.Builder>)
                        builder -> builder.payloadType("teams"), "default, slack, custom"),
                Arguments.of("a method that is not documented", (Consumer<WebhookSubscription.Builder>)
                        builder -> builder.method("GET"), "POST, PUT, PATCH"));
    }

    @ParameterizedTest(name = "{0} is refused before anything is sent")
    @MethodSource("invalidSubscriptions")
    void refusesAnInvalidSubscriptionBeforeSendingAnything(String description,
            Consumer<WebhookSubscription.Builder> mistake, String expectedMessage) {
        api.answering(200, DocumentedBodies.CREATED);

        assertThatThrownBy(() -> {
            WebhookSubscription.Builder builder = WebhookSubscription.builder()
                    .url("https://your-app.com/webhooks")
                    .events(EventType.WORKFLOW_ERRORED, EventType.CONNECTION_EXPIRED);
            mistake.accept(builder);
            client.createWebhook(builder.build());
        }).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(expectedMessage);
        assertThat(api.received()).isEmpty();
    }

    @Test
    void refusesASubscriptionWithoutEventsBeforeSendingAnything() {
        assertThatThrownBy(() -> client.createWebhook(
                WebhookSubscription.builder().url("https://your-app.com/webhooks").build()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("webhook_events needs at least one event");
        assertThat(api.received()).isEmpty();
    }

    @Test
    void neverShowsTheApiKeyInAMessageOrToString() throws Exception {
        List<Throwable> failures = new ArrayList<>();
        String echoingError = "{\"status_code\": 400, \"http_error_type\": \"BAD_REQUEST\", \"error\": \"BAD_KEY\","
                + " \"message\": \"key " + API_KEY + " is malformed\"}";
        for (FakeRefoldApi.Answer answer : List.of(
                new FakeRefoldApi.Answer(400, echoingError),
                new FakeRefoldApi.Answer(400, DocumentedBodies.BAD_REQUEST),
                new FakeRefoldApi.Answer(401, "{\"message\": \"invalid x-api-key " + API_KEY + "\"}"),
                new FakeRefoldApi.Answer(403, ""),
                new FakeRefoldApi.Answer(500, "{}"),
                new FakeRefoldApi.Answer(200, "{\"_id\": \"x\"}"),
                new FakeRefoldApi.Answer(200, "not json " + API_KEY))) {
            api.answering(answer.status(), answer.body());
            failures.add(catchThrowableOfType(RefoldApiException.class,
                    () -> client.createWebhook(documentedExample())));
        }
        for (String unusable : List.of(API_KEY + "\n", " " + API_KEY, API_KEY + "\u0000", API_KEY + "${SUFFIX}",
                API_KEY + "\u00e9", API_KEY + "\u0101")) {
            failures.add(catchThrowableOfType(IllegalArgumentException.class,
                    () -> RefoldWebhooksClient.builder().apiKey(unusable)));
        }
        URI closed = api.baseUri();
        api.close();
        failures.add(catchThrowableOfType(RefoldApiException.class,
                () -> clientFor(closed, Duration.ofSeconds(10)).createWebhook(documentedExample())));

        assertThat(failures).doesNotContainNull().hasSize(14);
        assertThat(failures.get(0)).isInstanceOfSatisfying(RefoldApiException.class,
                echoed -> assertThat(echoed.apiMessage()).hasValue("key **** is malformed"));
        for (Throwable failure : failures) {
            for (Throwable t = failure; t != null; t = t.getCause()) {
                assertThat(String.valueOf(t.getMessage())).doesNotContain(API_KEY);
                assertThat(t.toString()).doesNotContain(API_KEY);
            }
            if (failure instanceof RefoldApiException apiFailure) {
                assertThat(apiFailure.apiMessage().orElse("")).doesNotContain(API_KEY);
            }
        }
        RefoldWebhooksClient.Builder builder = RefoldWebhooksClient.builder().apiKey(API_KEY);
        assertThat(builder.toString()).doesNotContain(API_KEY).contains("apiKey=****");
        assertThat(builder.build().toString()).doesNotContain(API_KEY).contains("apiKey=****");
    }

    static Stream<Arguments> keysTheSharedPolicyRefuses() {
        return Stream.of(
                Arguments.of("an empty key", "", "is empty"),
                Arguments.of("a blank key", " \t", "is blank"),
                Arguments.of("a key with a trailing newline", API_KEY + "\n", "white space"),
                Arguments.of("a key with a leading space", " " + API_KEY, "white space"),
                Arguments.of("a key with a space inside", "sk_test_Zq81 fakeKEYvalue7731", "white space"),
                Arguments.of("a key with a no-break space", API_KEY + "\u00a0", "white space"),
                Arguments.of("a key with a control character", API_KEY + "\u0000", "control character"),
                Arguments.of("an unresolved placeholder", "${REFOLD_LIVE_API_KEY}", "unresolved ${...} placeholder"));
    }

    @ParameterizedTest(name = "{0} is refused with the shared key policy's message")
    @MethodSource("keysTheSharedPolicyRefuses")
    void refusesAKeyThatBreaksTheSharedKeyPolicyWithThePolicysMessage(String description, String key,
            String problem) {
        String policysMessage = catchThrowableOfType(IllegalArgumentException.class,
                () -> SigningKey.requireValidApiKey(key, "API key")).getMessage();

        assertThatThrownBy(() -> RefoldWebhooksClient.builder().apiKey(key))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(policysMessage)
                .hasMessageStartingWith("API key ")
                .hasMessageContaining(problem);
    }

    @Test
    void refusesAKeyOutsideAsciiBecauseItTravelsInAHeader() {
        // U+00E9 and U+00FC would be sent as '?', U+0101 and the emoji refused in a message quoting the key
        for (String key : List.of(API_KEY + "\u00e9", "\u00fc" + API_KEY, API_KEY + "\u0101",
                API_KEY + "\ud83d\udd11")) {
            assertThatThrownBy(() -> RefoldWebhooksClient.builder().apiKey(key))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("API key contains a character outside ASCII, which the x-api-key header cannot carry");
        }
    }

    @Test
    void sendsAKeyOfEveryPrintableAsciiCharacterUnchanged() {
        String printable = IntStream.rangeClosed('!', '~')
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        api.answering(200, DocumentedBodies.CREATED);

        RefoldWebhooksClient.builder().apiKey(printable).baseUri(api.baseUri()).build()
                .createWebhook(documentedExample());

        assertThat(api.received()).singleElement()
                .satisfies(request -> assertThat(request.header("x-api-key")).isEqualTo(printable));
    }

    @Test
    void keepsAPathOfTheBaseUriAsAPrefix() {
        RefoldWebhooksClient proxied = RefoldWebhooksClient.builder().apiKey(API_KEY)
                .baseUri(URI.create("https://proxy.example.com/refold/")).build();
        RefoldWebhooksClient standard = RefoldWebhooksClient.builder().apiKey(API_KEY).build();

        assertThat(proxied.endpoint()).hasToString("https://proxy.example.com/refold/api/v2/public/webhook");
        assertThat(standard.endpoint()).hasToString("https://app.refold.ai/api/v2/public/webhook");
    }

    @Test
    void refusesAClientWithoutAKeyOrWithAnUnusableBaseUri() {
        assertThatThrownBy(() -> RefoldWebhooksClient.builder().build())
                .isInstanceOf(IllegalStateException.class).hasMessage("an API key is required");
        assertThatThrownBy(() -> RefoldWebhooksClient.builder().apiKey(" "))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("API key is blank");
        assertThatThrownBy(() -> RefoldWebhooksClient.builder().baseUri(URI.create("app.refold.ai")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("absolute http or https");
        assertThatThrownBy(() -> RefoldWebhooksClient.builder().baseUri(URI.create("https://app.refold.ai/?a=b")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("query");
        assertThatThrownBy(() -> RefoldWebhooksClient.builder().timeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("timeout must be positive");
    }

    @Test
    void servesConcurrentCallsFromOneClient() throws Exception {
        api.answering(200, DocumentedBodies.CREATED);
        List<Thread> threads = new ArrayList<>();
        List<CreatedWebhook> results = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int i = 0; i < 8; i++) {
            Thread thread = new Thread(() -> results.add(client.createWebhook(documentedExample())));
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        }

        assertThat(results).hasSize(8).allSatisfy(created -> assertThat(created.id())
                .isEqualTo("6a313eda6d5528bdcf71ebac"));
        assertThat(api.received()).hasSize(8)
                .allSatisfy(request -> assertThat(request.header("x-api-key")).isEqualTo(API_KEY));
    }
}
