package com.example.refold;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.signature.WebhookSigner;
import ai.refold.webhooks.test.SamplePayloads;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The application on a random port of its embedded Tomcat; REFOLD_API_KEY is set for the test JVM (see the pom), as
 * it would be in production. Deliveries are signed with that key and sent over HTTP, as Refold sends them.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SpringBootQuickStartTest {

    private static final String KEY = "consumer-it-test-key";

    @LocalServerPort
    int port;

    @Autowired
    ProcessedEvents processed;

    private final HttpClient client = HttpClient.newHttpClient();

    private HttpResponse<String> deliver(EventType type, String key) throws Exception {
        byte[] body = SamplePayloads.of(type);
        return client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/webhooks/refold"))
                .header("Content-Type", "application/json")
                .header("x-cobalt-signature", WebhookSigner.of(key).sign(body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theHandlerMethodsRunForDeliveriesSignedWithTheConfiguredKey() throws Exception {
        HttpResponse<String> expired = deliver(EventType.CONNECTION_EXPIRED, KEY);
        HttpResponse<String> errored = deliver(EventType.WORKFLOW_ERRORED, KEY);
        HttpResponse<String> forged = deliver(EventType.WORKFLOW_COMPLETED, "another-key");

        assertThat(expired.statusCode()).as(expired.body()).isEqualTo(200);
        assertThat(errored.statusCode()).as(errored.body()).isEqualTo(200);
        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(processed.entries()).isEqualTo(List.of(
                "Connection Expired: asked account 12345 to reconnect pipedrive (connection-expired:test:12345:"
                        + "pipedrive:Tue, 07 Nov 2023 08:38:33 GMT)",
                "Workflow Errored: alerted on-call about run 656f308b9144bb8f183bfc7b"
                        + " (workflow-errored:-:656f308b9144bb8f183bfc7b)"));
    }
}
