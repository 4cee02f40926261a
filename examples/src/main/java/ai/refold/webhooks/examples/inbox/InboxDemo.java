package ai.refold.webhooks.examples.inbox;

import ai.refold.webhooks.cli.DeliverySender;
import ai.refold.webhooks.event.EventParser;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.examples.ExampleKeys;
import ai.refold.webhooks.idempotency.IdempotencyKeyExtractor;
import ai.refold.webhooks.idempotency.InboxState;
import ai.refold.webhooks.signature.SignatureScheme;
import ai.refold.webhooks.signature.WebhookSigner;
import ai.refold.webhooks.test.SamplePayloads;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Plays Refold against a receiver in inbox mode and acts as its operator: a delivery whose handler fails twice is
 * retried by the inbox and handled on its third attempt; one whose handler fails until fixed is dead after its
 * attempts, found through the {@code refoldinbox} endpoint, replayed once the fix is in, and handled once. Prints each
 * step and whether it was what the SDK promises.
 */
public final class InboxDemo {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final String base;
    private final InboxTimeline timeline;
    private final Runnable deployFix;
    private final DeliverySender sender = new DeliverySender();
    private final WebhookSigner signer = WebhookSigner.of(ExampleKeys.DEMO_KEY);
    private final HttpClient client = HttpClient.newHttpClient();
    private final List<String> verdicts = new ArrayList<>();
    private PrintStream out;

    /**
     * @param baseUrl   the receiver's root, for example {@code http://127.0.0.1:8080}
     * @param timeline  the receiver's record of attempts, which the demo prints and waits on
     * @param deployFix makes the always-failing handler work, as deploying a fix would
     */
    public InboxDemo(String baseUrl, InboxTimeline timeline, Runnable deployFix) {
        this.base = baseUrl;
        this.timeline = timeline;
        this.deployFix = deployFix;
    }

    /** Runs the script and prints it; returns whether every step had the expected outcome. */
    public boolean run(PrintStream out) throws IOException, InterruptedException {
        this.out = out;
        out.println("1. Workflow Errored: the on-call pager times out twice, then answers");
        String errored = deliver(EventType.WORKFLOW_ERRORED);
        List<InboxTimeline.Attempt> first = print(timeline.await(errored, 3, WAIT));
        check(outcomes(first).equals(List.of(InboxState.PENDING, InboxState.PENDING, InboxState.DONE)),
                "Workflow Errored handled on attempt 3, after two retries");

        out.println();
        out.println("2. Connection Expired: the mailer rejects the reconnect e-mail until a fix is deployed");
        String expired = deliver(EventType.CONNECTION_EXPIRED);
        List<InboxTimeline.Attempt> dead = print(timeline.await(expired, 3, WAIT));
        JsonNode listing = get("/actuator/refoldinbox?state=DEAD");
        JsonNode letter = find(listing.path("entries"), expired);
        step("GET /actuator/refoldinbox?state=DEAD", listing.path("entries").size() + " dead letter: "
                + letter.path("key").asText("-") + " attempts=" + letter.path("attempts").asText("-")
                + " lastError=" + letter.path("lastError").asText("-"));
        deployFix.run();
        step("(the mailer's fix is deployed)", "");
        JsonNode replayed = send("POST", "/actuator/refoldinbox/" + segment(expired), "{}");
        step("POST /actuator/refoldinbox/{key}", replayed.path("detail").asText("?"));
        List<InboxTimeline.Attempt> all = timeline.await(expired, 4, WAIT);
        print(all.subList(Math.min(3, all.size()), all.size()));
        check(outcomes(dead).equals(List.of(InboxState.PENDING, InboxState.PENDING, InboxState.DEAD))
                        && letter.path("state").asText().equals("DEAD") && letter.path("attempts").asInt() == 3
                        && replayed.path("entries").asInt() == 1
                        && outcomes(all).equals(List.of(InboxState.PENDING, InboxState.PENDING, InboxState.DEAD,
                                InboxState.DONE)),
                "Connection Expired dead after 3 attempts, listed, replayed and handled once");

        out.println();
        JsonNode health = get("/actuator/health/refoldInbox");
        JsonNode entries = get("/actuator/refoldinbox").at("/stats/entries");
        out.println("3. GET /actuator/health/refoldInbox -> " + health.path("status").asText("?")
                + "; GET /actuator/refoldinbox -> entries " + entries);
        check(health.path("status").asText().equals("UP") && entries.path("DONE").asInt() == 2
                && entries.path("DEAD").asInt() == 0, "inbox UP with both deliveries done and no dead letter");

        out.println();
        verdicts.forEach(out::println);
        boolean ok = verdicts.stream().allMatch(verdict -> verdict.startsWith("ok"));
        out.println(ok ? "All inbox steps had the expected outcome." : "Some inbox steps did NOT have the expected"
                + " outcome.");
        return ok;
    }

    // Sends the documented sample signed with the demo key; returns its idempotency key.
    private String deliver(EventType type) throws IOException, InterruptedException {
        byte[] body = SamplePayloads.of(type);
        DeliverySender.Response response = sender.send(URI.create(base + "/webhooks/refold"), "POST", body,
                SignatureScheme.REFOLD_HEADER, signer.sign(body));
        String status = JSON.readTree(response.body()).path("status").asText("?");
        step("POST /webhooks/refold", response.status() + " " + status
                + " (stored; the handler runs on an inbox worker)");
        check(response.status() == 200 && status.equals("accepted"), type.wireName() + " answered 200 once stored");
        return IdempotencyKeyExtractor.standard().keyFor(EventParser.standard().parse(body));
    }

    private List<InboxTimeline.Attempt> print(List<InboxTimeline.Attempt> attempts) {
        for (InboxTimeline.Attempt attempt : attempts) {
            String outcome = switch (attempt.outcome()) {
                case PENDING -> "retried";
                case DEAD -> "dead";
                case DONE -> "done";
                default -> attempt.outcome().name();
            };
            out.printf(Locale.ROOT, "   attempt %d  %-8s %s%n", attempt.attempt(), outcome, attempt.note());
        }
        return attempts;
    }

    private void step(String what, String result) {
        if (result.isEmpty()) {
            out.println("   " + what);
        } else {
            out.printf(Locale.ROOT, "   %-36s -> %s%n", what, result);
        }
    }

    private void check(boolean expected, String what) {
        verdicts.add((expected ? "ok   " : "BAD  ") + what);
    }

    private static List<InboxState> outcomes(List<InboxTimeline.Attempt> attempts) {
        return attempts.stream().map(InboxTimeline.Attempt::outcome).toList();
    }

    private static JsonNode find(JsonNode entries, String key) {
        for (JsonNode entry : entries) {
            if (entry.path("key").asText().equals(key)) {
                return entry;
            }
        }
        return JSON.createObjectNode();
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        return send("GET", path, null);
    }

    private JsonNode send(String method, String path, String json) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
    }

    private static String segment(String key) {
        return URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
