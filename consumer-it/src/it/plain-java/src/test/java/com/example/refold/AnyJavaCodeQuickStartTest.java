package com.example.refold;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.signature.WebhookSigner;
import ai.refold.webhooks.test.SamplePayloads;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's "Quick start: any Java code" (the JDK's own HTTP server) on a free port of
 * 127.0.0.1, spoken to over HTTP as Refold would.
 */
class AnyJavaCodeQuickStartTest {

    private static final String KEY = "my-refold-api-key";

    // As main() sets it, but shorter: the JDK server reads it once, when the first server of the JVM starts.
    @BeforeAll
    static void limitRequestTime() {
        System.setProperty("sun.net.httpserver.maxReqTime", "2");
    }

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
        HttpServer server = JdkHttpServerReceiver.start(KEY, new InetSocketAddress("127.0.0.1", 0));
        int port = server.getAddress().getPort();
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
            server.stop(0);
        }
    }

    // A declared length over the limit is refused from the headers alone, and a body that stalls holds its thread only
    // until the server's request time limit closes the connection.
    @Test
    void anOversizedDeclaredBodyIsRefusedUnreadAndAStalledOneIsCutOff() throws Exception {
        HttpServer server = JdkHttpServerReceiver.start(KEY, new InetSocketAddress("127.0.0.1", 0));
        int port = server.getAddress().getPort();
        String head = "POST /webhooks/refold HTTP/1.1\r\nHost: 127.0.0.1\r\nx-cobalt-signature: " + "ab".repeat(32)
                + "\r\n";
        try (Socket oversized = new Socket("127.0.0.1", port); Socket stalled = new Socket("127.0.0.1", port)) {
            oversized.setSoTimeout(10_000);
            oversized.getOutputStream().write((head + "Content-Length: 2000000\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            assertEquals("HTTP/1.1 413", new String(oversized.getInputStream().readNBytes(12),
                    StandardCharsets.US_ASCII));

            stalled.setSoTimeout(10_000);
            stalled.getOutputStream().write((head + "Content-Length: 100\r\n\r\n{\"event\":")
                    .getBytes(StandardCharsets.US_ASCII));
            long start = System.nanoTime();
            assertEquals(-1, stalled.getInputStream().read(), "the connection is closed");
            long waited = (System.nanoTime() - start) / 1_000_000;
            assertTrue(waited >= 1_000 && waited < 8_000, "closed after " + waited + " ms");
        } finally {
            server.stop(0);
        }
    }
}
