package ai.refold.webhooks.examples.demo;

import ai.refold.webhooks.cli.DeliverySender;
import ai.refold.webhooks.event.EventParser;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.examples.ExampleKeys;
import ai.refold.webhooks.idempotency.IdempotencyKeyExtractor;
import ai.refold.webhooks.signature.SignatureScheme;
import ai.refold.webhooks.signature.WebhookSigner;
import ai.refold.webhooks.test.SamplePayloads;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

/**
 * Plays Refold against a running receiver: the five documented samples, a retry, a forged delivery, a malformed
 * one and one delivery sent twice at the same moment. Prints what happened to each and whether it was what the
 * SDK promises.
 */
public final class Demo {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI webhookUrl;
    private final URI eventsUrl;
    private final DeliverySender sender = new DeliverySender();
    private final WebhookSigner signer = WebhookSigner.of(ExampleKeys.DEMO_KEY);
    private final HttpClient client = HttpClient.newHttpClient();
    private final List<Row> rows = new ArrayList<>();

    /** One delivery of the script and what came of it. */
    record Row(String delivery, String event, String key, int status, String outcome, String handler,
               boolean expected) {
    }

    /**
     * @param baseUrl the receiver's root, for example {@code http://127.0.0.1:8080}; deliveries go to
     *                {@code /webhooks/refold} and handled events are read from {@code /events}
     */
    public Demo(String baseUrl) {
        this.webhookUrl = URI.create(baseUrl + "/webhooks/refold");
        this.eventsUrl = URI.create(baseUrl + "/events");
    }

    /** Runs the script against the receiver and prints the table; returns whether every outcome was expected. */
    public boolean run(PrintStream out) throws IOException, InterruptedException {
        for (EventType type : EventType.values()) {
            byte[] body = SamplePayloads.of(type);
            send("sample: " + type.wireName(), body, signer.sign(body), Set.of(200), Set.of("processed"), 1);
        }
        byte[] errored = SamplePayloads.of(EventType.WORKFLOW_ERRORED);
        send("retry of Workflow Errored", errored, signer.sign(errored), Set.of(200), Set.of("duplicate"), 0);

        byte[] completed = SamplePayloads.of(EventType.WORKFLOW_COMPLETED);
        String forged = WebhookSigner.of("someone-elses-key").sign(completed);
        send("forged signature", completed, forged, Set.of(401), Set.of("signature_mismatch"), 0);

        byte[] malformed = "{\"event\": \"Workflow Errored\", \"instance_id\": ".getBytes(StandardCharsets.UTF_8);
        send("malformed JSON, signed", malformed, signer.sign(malformed), Set.of(400), Set.of("invalid_payload"), 0);

        sendTwiceAtOnce();
        print(out);
        return rows.stream().allMatch(Row::expected);
    }

    private void send(String label, byte[] body, String signature, Set<Integer> statuses, Set<String> outcomes,
                      int handlerRuns) throws IOException, InterruptedException {
        int before = processed().size();
        DeliverySender.Response response = sender.send(webhookUrl, "POST", body, SignatureScheme.REFOLD_HEADER,
                signature);
        List<JsonNode> done = since(before);
        rows.add(row(label, body, response, done, statuses, outcomes, handlerRuns == done.size()));
    }

    // Two copies of one new event, released together: one is processed, the other is a duplicate or told to retry.
    private void sendTwiceAtOnce() throws IOException, InterruptedException {
        byte[] body = SamplePayloads.of(EventType.WORKFLOW_COMPLETED).clone();
        String text = new String(body, StandardCharsets.UTF_8).replace("656f30f69144bb8f183c0118",
                "656f30f69144bb8f183c0999");
        byte[] twin = text.getBytes(StandardCharsets.UTF_8);
        String signature = signer.sign(twin);
        int before = processed().size();
        CountDownLatch start = new CountDownLatch(1);
        List<CompletableFuture<DeliverySender.Response>> copies = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            copies.add(CompletableFuture.supplyAsync(() -> {
                try {
                    start.await();
                    return sender.send(webhookUrl, "POST", twin, SignatureScheme.REFOLD_HEADER, signature);
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException("copy could not be sent: " + e, e);
                }
            }));
        }
        start.countDown();
        List<DeliverySender.Response> responses = copies.stream().map(CompletableFuture::join).toList();
        List<JsonNode> done = since(before);
        boolean once = done.size() == 1;
        for (int i = 0; i < responses.size(); i++) {
            DeliverySender.Response response = responses.get(i);
            String outcome = outcome(response);
            List<JsonNode> mine = outcome.equals("processed") ? done : List.of();
            rows.add(row("sent twice at once (" + (i + 1) + "/2)", twin, response, mine, Set.of(200, 409),
                    Set.of("processed", "duplicate", "in_progress"), once));
        }
        long processedCopies = responses.stream().filter(r -> outcome(r).equals("processed")).count();
        if (processedCopies != 1) {
            rows.add(new Row("sent twice at once", "Workflow Completed", "-", 0,
                    processedCopies + " copies processed", "expected exactly one", false));
        }
    }

    private Row row(String label, byte[] body, DeliverySender.Response response, List<JsonNode> done,
                    Set<Integer> statuses, Set<String> outcomes, boolean handlerAsExpected) {
        String event = "-";
        String key = "-";
        try {
            var parsed = EventParser.standard().parse(body);
            event = parsed.eventName().orElse("unknown");
            key = IdempotencyKeyExtractor.standard().keyFor(parsed);
        } catch (RuntimeException unparseable) {
            event = "(not JSON)";
        }
        String outcome = outcome(response);
        String handler = done.isEmpty() ? "not run" : done.get(0).path("action").asText();
        boolean expected = statuses.contains(response.status()) && outcomes.contains(outcome) && handlerAsExpected;
        return new Row(label, event, key, response.status(), outcome, handler, expected);
    }

    private static String outcome(DeliverySender.Response response) {
        try {
            return JSON.readTree(response.body()).path("status").asText("?");
        } catch (IOException e) {
            return "?";
        }
    }

    private List<JsonNode> since(int before) throws IOException, InterruptedException {
        List<JsonNode> all = processed();
        return all.subList(Math.min(before, all.size()), all.size());
    }

    private List<JsonNode> processed() throws IOException, InterruptedException {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(eventsUrl).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        List<JsonNode> entries = new ArrayList<>();
        JSON.readTree(response.body()).forEach(entries::add);
        return entries;
    }

    private void print(PrintStream out) {
        String format = "%-3s %-30s %-19s %-70s %-5s %-19s %s%n";
        out.printf(Locale.ROOT, format, "", "delivery", "event", "idempotency key", "HTTP", "outcome",
                "what the handler did");
        out.println("-".repeat(184));
        for (Row row : rows) {
            out.printf(Locale.ROOT, format, row.expected() ? "ok" : "BAD", row.delivery(), row.event(),
                    abbreviate(row.key(), 70), row.status(), row.outcome(), row.handler());
        }
        long bad = rows.stream().filter(row -> !row.expected()).count();
        out.println();
        out.println(bad == 0 ? "All " + rows.size() + " deliveries had the expected outcome."
                : bad + " of " + rows.size() + " deliveries did NOT have the expected outcome.");
    }

    private static String abbreviate(String text, int width) {
        return text.length() <= width ? text : text.substring(0, width - 3) + "...";
    }
}
