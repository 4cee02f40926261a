package ai.refold.webhooks.subscription;

import ai.refold.webhooks.event.EventType;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs the "Subscribing" snippet of docs/subscriptions-and-cli.md, which is copied from {@link #registerInBothEnvironments}. */
class SubscribingReadmeExampleTest {

    private static final String TEST_KEY = "sk_test_readme_0001";
    private static final String LIVE_KEY = "sk_live_readme_0002";

    private FakeRefoldApi api;
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

    @BeforeEach
    void startFakeApi() throws IOException {
        api = FakeRefoldApi.start();
    }

    @AfterEach
    void stopFakeApi() {
        api.close();
    }

    static void registerInBothEnvironments(URI baseUri, String testKey, String liveKey, PrintStream out) {
        // tag::subscribing[]
        WebhookSubscription subscription = WebhookSubscription.builder()
                .url("https://your-app.com/webhooks")
                .events(EventType.WORKFLOW_ERRORED, EventType.CONNECTION_EXPIRED)
                .build(); // checked here: URL, events, slug rules; nothing invalid is ever sent

        // A key belongs to one environment, so each environment needs its own subscription.
        for (String apiKey : List.of(testKey, liveKey)) {
            RefoldWebhooksClient client = RefoldWebhooksClient.builder()
                    .apiKey(apiKey)
                    .baseUri(baseUri)                 // optional, https://app.refold.ai by default
                    .timeout(Duration.ofSeconds(10))  // optional, 30 s by default, for the whole call
                    .build();
            try {
                CreatedWebhook created = client.createWebhook(subscription);
                out.println("registered " + created.id() + " in " + created.environment());
            } catch (RefoldApiException e) {
                switch (e.reason()) {
                    case BAD_REQUEST -> out.println("rejected: " + e.errorCode().orElse("?") + " "
                            + e.apiMessage().orElse(""));
                    case UNAUTHORIZED, FORBIDDEN -> out.println("check the API key: " + e.getMessage());
                    // the webhook may exist already: look before trying again
                    case TIMEOUT, NETWORK, SERVER_ERROR -> out.println("try again later: " + e.getMessage());
                    default -> throw e;
                }
            }
        }
        // end::subscribing[]
    }

    private static FakeRefoldApi.Answer createdIn(String environment) {
        return new FakeRefoldApi.Answer(200, DocumentedBodies.CREATED
                .replace("\"environment\": \"test\"", "\"environment\": \"" + environment + "\"")
                .replace("6a313eda6d5528bdcf71ebac", environment + "-webhook"));
    }

    private String printed() {
        return printed.toString(StandardCharsets.UTF_8);
    }

    @Test
    void registersTheSameSubscriptionWithTheTestKeyAndThenTheLiveKey() throws Exception {
        api.answeringBy(request -> TEST_KEY.equals(request.header("x-api-key")) ? createdIn("test")
                : createdIn("live"));

        registerInBothEnvironments(api.baseUri(), TEST_KEY, LIVE_KEY, out);

        assertThat(api.received().stream().map(request -> request.header("x-api-key")).collect(Collectors.toList()))
                .containsExactly(TEST_KEY, LIVE_KEY);
        assertThat(api.received()).extracting(FakeRefoldApi.Received::body).containsOnly(
                "{\"webhook_url\":\"https://your-app.com/webhooks\","
                        + "\"webhook_events\":[\"Workflow Errored\",\"Connection Expired\"]}");
        assertThat(printed()).isEqualTo("registered test-webhook in test" + System.lineSeparator()
                + "registered live-webhook in live" + System.lineSeparator());
    }

    @Test
    void reportsEachEnvironmentsFailureAndStillTriesTheOther() {
        api.answeringBy(request -> Map.of(
                TEST_KEY, new FakeRefoldApi.Answer(400, DocumentedBodies.BAD_REQUEST),
                LIVE_KEY, new FakeRefoldApi.Answer(401, "")).get(request.header("x-api-key")));

        registerInBothEnvironments(api.baseUri(), TEST_KEY, LIVE_KEY, out);

        assertThat(api.received()).hasSize(2);
        assertThat(printed()).contains("rejected: INVALID_EVENT Invalid event. Check events list in documentation.",
                "check the API key: Create Webhook answered 401")
                .doesNotContain(TEST_KEY, LIVE_KEY);
    }
}
