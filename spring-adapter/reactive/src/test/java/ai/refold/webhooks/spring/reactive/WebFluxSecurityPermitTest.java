package ai.refold.webhooks.spring.reactive;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.test.SamplePayloads;
import ai.refold.webhooks.test.TestDeliveries;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.csrf.CsrfWebFilter;
import org.springframework.security.web.server.util.matcher.AndServerWebExchangeMatcher;
import org.springframework.security.web.server.util.matcher.NegatedServerWebExchangeMatcher;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatchers;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The alternative ordering in a WebFlux application: the Refold filter after Spring Security's chain
 * ({@code refold.webhooks.filter-order} above -100), with the path permitted and exempt from CSRF, so that Security
 * lets deliveries through to the signature check while every other path stays protected.
 */
@SpringBootTest(classes = WebFluxSecurityPermitTest.PermittingApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"refold.webhooks.keys.test=" + ReactiveApplication.API_KEY, "refold.webhooks.filter-order=0"})
class WebFluxSecurityPermitTest {

    @Value("${local.server.port}")
    int port;

    @Test
    void aPermittedPathReachesTheReceiverAfterSecurityAndOtherPathsStayProtected() throws Exception {
        byte[] body = SamplePayloads.of(EventType.CONNECTION_EXPIRED);
        HttpClient client = HttpClient.newHttpClient();

        HttpResponse<String> delivery = client.send(HttpRequest.newBuilder(uri("/webhooks/refold"))
                .header("x-cobalt-signature", TestDeliveries.withKey(ReactiveApplication.API_KEY).signature(body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> unsigned = client.send(HttpRequest.newBuilder(uri("/webhooks/refold"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> other = client.send(HttpRequest.newBuilder(uri("/other")).GET().build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(delivery.statusCode()).isEqualTo(200);
        assertThat(unsigned.statusCode()).as("refused by the receiver, not by Security").isEqualTo(401);
        assertThat(unsigned.body()).startsWith("{\"status\":\"signature_missing\"");
        assertThat(other.statusCode()).isEqualTo(401);
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class PermittingApplication {

        @Bean
        ReactiveHandlers reactiveHandlers() {
            return new ReactiveHandlers();
        }

        @Bean
        SecurityWebFilterChain security(ServerHttpSecurity http) {
            return http.authorizeExchange(exchanges -> exchanges
                            .pathMatchers("/webhooks/refold").permitAll()   // the signature is the authentication
                            .anyExchange().authenticated())
                    .csrf(csrf -> csrf.requireCsrfProtectionMatcher(new AndServerWebExchangeMatcher(
                            CsrfWebFilter.DEFAULT_CSRF_MATCHER,
                            new NegatedServerWebExchangeMatcher(ServerWebExchangeMatchers.pathMatchers(
                                    "/webhooks/refold")))))
                    .httpBasic(Customizer.withDefaults())
                    .build();
        }
    }
}
