package com.example.refold;

import ai.refold.webhooks.DeliveryResult;
import ai.refold.webhooks.Headers;
import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.ConnectionExpired;
import ai.refold.webhooks.event.WorkflowErrored;

import com.sun.net.httpserver.HttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.Executors;

public final class JdkHttpServerReceiver {

    private static final Logger log = LoggerFactory.getLogger(JdkHttpServerReceiver.class);

    public static void main(String[] args) throws IOException {
        // The JDK server's limit on a request, body and handlers, in seconds (read when the first server starts):
        // without it a sender that stalls mid-body holds a thread for ever, since the core's read deadline is
        // checked between reads and cannot end one that blocks. Past it the server closes the connection.
        System.setProperty("sun.net.httpserver.maxReqTime", "30");
        start(Objects.requireNonNull(System.getenv("REFOLD_API_KEY"), "REFOLD_API_KEY is not set"),
                new InetSocketAddress(8080));
    }

    public static HttpServer start(String apiKey, InetSocketAddress address) throws IOException {
        WebhookReceiver receiver = WebhookReceiver.builder()
                .signingKey("test", apiKey)
                .on(ConnectionExpired.class, (event, context) ->
                        log.info("account {} must reconnect {}", event.linkedAccountId(), event.slug()))
                .on(WorkflowErrored.class, (event, context) ->
                        log.warn("workflow run {} failed (event {})", event.instanceId(), context.idempotencyKey()))
                .build();

        HttpServer server = HttpServer.create(address, 0);
        server.createContext("/webhooks/refold", exchange -> {
            // The core reads the body itself, within its size limit; a declared length over it is refused unread.
            String declared = exchange.getRequestHeaders().getFirst("Content-Length");
            DeliveryResult result = receiver.receive(exchange.getRequestMethod(),
                    Headers.of(exchange.getRequestHeaders()), exchange.getRequestBody(),
                    declared == null ? -1 : Long.parseLong(declared));
            byte[] answer = result.responseBody().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            result.responseHeaders().forEach(exchange.getResponseHeaders()::set);
            exchange.sendResponseHeaders(result.status(), answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.setExecutor(Executors.newFixedThreadPool(16));
        server.start();
        return server;
    }
}
