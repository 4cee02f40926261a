package ai.refold.webhooks.cli;

import com.sun.net.httpserver.HttpServer;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class RefoldWebhooksCliTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return RefoldWebhooksCli.run(args, null,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void sendSignsTheNamedSampleAndPrintsTheReceiversAnswer() throws Exception {
        try (TestReceiver app = TestReceiver.start("sender-test-key")) {
            String url = app.url();

            int status = run("send", "--url", url, "--key", "sender-test-key", "--sample", "connection-expired");

            assertThat(status).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("HTTP 200").contains("\"processed\"");
            assertThat(app.handled()).containsExactly("Connection Expired");
        }
    }

    @Test
    void sendWithAnotherKeyIsRejectedAndExitsNonZero() throws Exception {
        try (TestReceiver app = TestReceiver.start("sender-test-key")) {
            String url = app.url();

            int status = run("send", "--url", url, "--key", "another-key", "--sample", "workflow-errored",
                    "--method", "PUT");

            assertThat(status).isEqualTo(1);
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("HTTP 401").contains("signature_mismatch");
            assertThat(app.handled()).isEmpty();
        }
    }

    @Test
    void registerCreatesASubscriptionThroughTheCreateWebhookApi() throws Exception {
        AtomicReference<String> received = new AtomicReference<>();
        AtomicReference<String> apiKey = new AtomicReference<>();
        HttpServer api = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        api.createContext("/api/v2/public/webhook", exchange -> {
            received.set(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            apiKey.set(exchange.getRequestHeaders().getFirst("x-api-key"));
            byte[] answer = ("{\"_id\":\"6a313eda6d5528bdcf71ebac\",\"org_id\":\"6500a1b2c3d4e5f6a7b8c9d0\","
                    + "\"environment\":\"test\",\"is_enabled\":true,\"webhook_events\":[\"Workflow Errored\"],"
                    + "\"workflow_ids\":[],\"webhook_url\":\"https://your-app.com/webhooks/refold\","
                    + "\"webhook_body\":\"{{event}}\",\"method\":\"POST\",\"webhook_type\":\"default\","
                    + "\"createdAt\":\"2026-06-16T12:17:30.231Z\"}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        api.start();
        try {
            int status = run("register", "--key", "register-test-key", "--url", "https://your-app.com/webhooks/refold",
                    "--events", "Workflow Errored", "--base-uri", "http://127.0.0.1:" + api.getAddress().getPort());

            assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
            assertThat(apiKey.get()).isEqualTo("register-test-key");
            assertThat(received.get()).contains("\"webhook_url\":\"https://your-app.com/webhooks/refold\"")
                    .contains("\"webhook_events\":[\"Workflow Errored\"]");
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("created webhook 6a313eda6d5528bdcf71ebac in test");
        } finally {
            api.stop(0);
        }
    }

    @Test
    void registerRejectsAnUndocumentedEventBeforeSendingAnything() {
        int status = run("register", "--key", "k", "--url", "https://your-app.com/hook", "--events", "Invoice Paid",
                "--base-uri", "http://127.0.0.1:9");

        assertThat(status).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("Invoice Paid");
    }

    @Test
    void registerReportsAnEmptyEventListAsAUsageError() {
        int status = run("register", "--key", "k", "--url", "https://your-app.com/hook", "--events", ",",
                "--base-uri", "http://127.0.0.1:9");

        assertThat(status).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("webhook_events needs at least one event");
    }
}
