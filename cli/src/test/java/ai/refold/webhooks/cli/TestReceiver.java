package ai.refold.webhooks.cli;

import ai.refold.webhooks.DeliveryResult;
import ai.refold.webhooks.Headers;
import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.WebhookEvent;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real receiver for the tool to talk to: the core's {@link WebhookReceiver} behind the JDK's HTTP server on
 * 127.0.0.1, an ephemeral port, {@code POST /webhooks/refold}. It records the wire name of each event its handler ran
 * for.
 */
final class TestReceiver implements AutoCloseable {

    private final List<String> handled = new CopyOnWriteArrayList<>();
    private final WebhookReceiver receiver;
    private final HttpServer server;

    private TestReceiver(String apiKey) throws IOException {
        receiver = WebhookReceiver.builder()
                .signingKey("test", apiKey)
                .on(WebhookEvent.class, (event, context) -> handled.add(event.eventName().orElse("unknown")))
                .build();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/webhooks/refold", this::handle);
        server.start();
    }

    static TestReceiver start(String apiKey) throws IOException {
        return new TestReceiver(apiKey);
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/webhooks/refold";
    }

    List<String> handled() {
        return handled;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream body = exchange.getRequestBody()) {
            String length = exchange.getRequestHeaders().getFirst("Content-Length");
            DeliveryResult result = receiver.receive(exchange.getRequestMethod(),
                    Headers.of(exchange.getRequestHeaders()), body, length == null ? -1 : Long.parseLong(length));
            for (Map.Entry<String, String> header : result.responseHeaders().entrySet()) {
                exchange.getResponseHeaders().add(header.getKey(), header.getValue());
            }
            byte[] answer = result.responseBody().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", DeliveryResult.CONTENT_TYPE);
            exchange.sendResponseHeaders(result.status(), answer.length);
            exchange.getResponseBody().write(answer);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        receiver.close();
    }
}
