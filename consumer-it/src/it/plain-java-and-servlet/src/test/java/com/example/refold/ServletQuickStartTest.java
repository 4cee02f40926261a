package com.example.refold;

import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.signature.WebhookSigner;
import ai.refold.webhooks.test.SamplePayloads;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the servlet quick start in Jetty 12 on 127.0.0.1 and speaks HTTP to it, as Refold would. */
class ServletQuickStartTest {

    @Test
    void jettyWithTheFilterAnswersASignedDelivery200AndLeavesOtherPathsToTheApp() throws Exception {
        List<String> alerts = new CopyOnWriteArrayList<>();
        WebhookReceiver receiver = WebhookReceiver.builder()
                .signingKey("test", "my-refold-api-key")
                .on(WorkflowErrored.class, (event, context) -> alerts.add(event.instanceId()))
                .build();
        HttpServlet app = new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
                response.getWriter().write("the application");
            }
        };

        Server server = JettyQuickStart.start(receiver, app, new InetSocketAddress("127.0.0.1", 0));
        try {
            String base = "http://127.0.0.1:" + ((NetworkConnector) server.getConnectors()[0]).getLocalPort();
            byte[] body = SamplePayloads.of(EventType.WORKFLOW_ERRORED);
            HttpClient client = HttpClient.newHttpClient();

            HttpResponse<String> delivery = client.send(HttpRequest.newBuilder(URI.create(base + "/webhooks/refold"))
                    .header("x-cobalt-signature", WebhookSigner.of("my-refold-api-key").sign(body))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> page = client.send(HttpRequest.newBuilder(URI.create(base + "/")).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertEquals(200, delivery.statusCode(), delivery.body());
            assertTrue(delivery.body().contains("\"processed\""), delivery.body());
            assertEquals(List.of("656f308b9144bb8f183bfc7b"), alerts);
            assertEquals("the application", page.body());
        } finally {
            server.stop();
            receiver.close();
        }
    }
}
