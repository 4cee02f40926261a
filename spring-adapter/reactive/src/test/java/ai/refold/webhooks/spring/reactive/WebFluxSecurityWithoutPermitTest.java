package ai.refold.webhooks.spring.reactive;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.test.SamplePayloads;
import ai.refold.webhooks.test.TestDeliveries;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When the Refold filter is ordered after Spring Security's chain and the path is not permitted, Security refuses
 * deliveries before the receiver sees them: the reason the filter runs first by default.
 */
@SpringBootTest(classes = ReactiveApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"refold.webhooks.keys.test=" + ReactiveApplication.API_KEY, "refold.webhooks.filter-order=0"})
class WebFluxSecurityWithoutPermitTest {

    @Value("${local.server.port}")
    int port;

    @Autowired
    ReactiveHandlers handlers;

    @Test
    void securityRefusesDeliveriesBeforeTheyAreVerified() throws Exception {
        byte[] body = SamplePayloads.of(EventType.CONNECTION_EXPIRED);

        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/webhooks/refold"))
                .header("x-cobalt-signature", TestDeliveries.withKey(ReactiveApplication.API_KEY).signature(body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isIn(401, 403);
        assertThat(handlers.runs).isEmpty();
    }
}
