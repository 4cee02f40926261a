package com.example.refold;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.signature.WebhookSigner;
import ai.refold.webhooks.test.SamplePayloads;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The WebFlux quick start of docs/spring-boot.md on a random port of Reactor Netty; REFOLD_API_KEY is set for the test
 * JVM (see the pom), as it would be in production. Deliveries are signed with that key and sent over HTTP, as Refold
 * sends them.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ExtendWith(OutputCaptureExtension.class)
class WebFluxQuickStartTest {

    private static final String KEY = "consumer-it-test-key";

    @LocalServerPort
    int port;

    private final HttpClient client = HttpClient.newHttpClient();

    private HttpResponse<String> deliver(EventType type, String key) throws Exception {
        byte[] body = SamplePayloads.of(type);
        return client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/webhooks/refold"))
                .header("Content-Type", "application/json")
                .header("x-cobalt-signature", WebhookSigner.of(key).sign(body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theHandlerMethodsRunOncePerEventSignedWithTheConfiguredKey(CapturedOutput output) throws Exception {
        HttpResponse<String> expired = deliver(EventType.CONNECTION_EXPIRED, KEY);
        HttpResponse<String> errored = deliver(EventType.WORKFLOW_ERRORED, KEY);
        HttpResponse<String> retry = deliver(EventType.WORKFLOW_ERRORED, KEY);
        HttpResponse<String> forged = deliver(EventType.WORKFLOW_COMPLETED, "another-key");
        HttpResponse<String> unhandled = deliver(EventType.WORKFLOW_COMPLETED, KEY);

        assertThat(expired.statusCode()).as(expired.body()).isEqualTo(200);
        assertThat(expired.body()).contains("\"processed\"");
        assertThat(errored.statusCode()).as(errored.body()).isEqualTo(200);
        assertThat(errored.body()).contains("\"processed\"");
        assertThat(retry.statusCode()).as(retry.body()).isEqualTo(200);
        assertThat(retry.body()).contains("\"duplicate\"");
        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(unhandled.body()).contains("\"ignored\"");
        assertThat(output.getOut()).contains("account 12345 must reconnect pipedrive");
        assertThat(output.getOut().split("workflow run 656f308b9144bb8f183bfc7b failed", -1)).hasSize(2);
    }
}
