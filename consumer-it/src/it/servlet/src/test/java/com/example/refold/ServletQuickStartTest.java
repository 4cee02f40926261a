package com.example.refold;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.signature.WebhookSigner;
import ai.refold.webhooks.test.SamplePayloads;

import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's "Quick start: a plain servlet container" (embedded Jetty 12) on a free port of
 * 127.0.0.1, spoken to over HTTP as Refold would.
 */
class ServletQuickStartTest {

    private static final String KEY = "my-refold-api-key";

    private final HttpClient client = HttpClient.newHttpClient();

    private HttpResponse<String> deliver(int port, String method, EventType type, String key) throws Exception {
        byte[] body = SamplePayloads.of(type);
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/webhooks/refold"))
                .header("x-cobalt-signature", WebhookSigner.of(key).sign(body))
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void signedDeliveriesRunTheirHandlerOnceAndEverythingElseGetsItsDefinedStatus() throws Exception {
        Server server = JettyReceiver.start(KEY, new InetSocketAddress("127.0.0.1", 0));
        int port = ((NetworkConnector) server.getConnectors()[0]).getLocalPort();
        try {
            HttpResponse<String> errored = deliver(port, "POST", EventType.WORKFLOW_ERRORED, KEY);
            HttpResponse<String> retry = deliver(port, "POST", EventType.WORKFLOW_ERRORED, KEY);
            HttpResponse<String> expired = deliver(port, "POST", EventType.CONNECTION_EXPIRED, KEY);
            HttpResponse<String> unhandled = deliver(port, "POST", EventType.WORKFLOW_COMPLETED, KEY);
            HttpResponse<String> forged = deliver(port, "POST", EventType.WORKFLOW_ERRORED, "another-key");
            HttpResponse<String> wrongMethod = deliver(port, "DELETE", EventType.WORKFLOW_ERRORED, KEY);

            assertEquals(200, errored.statusCode(), errored.body());
            assertTrue(errored.body().contains("\"processed\""), errored.body());
            assertEquals(200, retry.statusCode(), retry.body());
            assertTrue(retry.body().contains("\"duplicate\""), retry.body());
            assertTrue(expired.body().contains("\"processed\""), expired.body());
            assertTrue(unhandled.body().contains("\"ignored\""), unhandled.body());
            assertEquals(401, forged.statusCode(), forged.body());
            assertEquals(405, wrongMethod.statusCode(), wrongMethod.body());
        } finally {
            server.stop();
        }
    }
}
