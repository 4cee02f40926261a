package ai.refold.webhooks.spring;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An operator who lets Actuator show property values (common behind a login: {@code show-values=when-authorized})
 * sees the starter's properties in {@code /actuator/configprops} and {@code /actuator/env}; a Refold API key is a
 * credential for Refold's API as well as the webhook secret, so it is masked there.
 */
@SpringBootTest(classes = TestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "refold.webhooks.keys.test=" + TestApplication.API_KEY,
            "refold.webhooks.keys.live=${REFOLD_LIVE_API_KEY}",
            "REFOLD_LIVE_API_KEY=spring-live-api-key",
            "management.endpoints.web.exposure.include=configprops,env",
            "management.endpoint.configprops.show-values=always",
            "management.endpoint.env.show-values=always",
            "spring.security.user.name=operator",
            "spring.security.user.password=operator-password"
        })
class ActuatorShowsNoKeyTest {

    @Value("${local.server.port}")
    int port;

    @Test
    void configpropsShowsTheKeyLabelsButNotTheKeys() throws Exception {
        String body = get("/actuator/configprops");

        assertThat(body).contains("refold.webhooks").contains("\"live\"").contains("******")
                .contains("spring.security.user").doesNotContain("spring-live-api-key")
                .doesNotContain(TestApplication.API_KEY);
    }

    @Test
    void envShowsTheKeyPropertiesButNotTheKeys() throws Exception {
        String body = get("/actuator/env");

        // The variable the key is read from is masked too, whatever its name: its value is a key.
        assertThat(body).contains("refold.webhooks.keys.live").contains("refold.webhooks.keys.test")
                .contains("REFOLD_LIVE_API_KEY").doesNotContain("spring-live-api-key")
                .doesNotContain(TestApplication.API_KEY);
    }

    private String get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        "operator:operator-password".getBytes(StandardCharsets.UTF_8)))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }
}
