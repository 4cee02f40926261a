package ai.refold.webhooks.spring;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.test.SamplePayloads;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When the Refold filter is ordered after Spring Security's filter chain, the webhook path must be permitted and
 * exempt from CSRF: this application shows the configuration that works.
 */
@SpringBootTest(classes = SpringSecurityPermitTest.PermittingApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"refold.webhooks.keys.test=" + TestApplication.API_KEY, "refold.webhooks.filter-order=0"})
class SpringSecurityPermitTest {

    @Value("${local.server.port}")
    int port;

    @Test
    void deliveriesAreProcessedWhileOtherPathsStayProtected() {
        Http http = new Http(port);
        assertThat(http.deliver(SamplePayloads.of(EventType.CONNECTION_EXPIRED), TestApplication.API_KEY)
                .statusCode()).isEqualTo(200);
        assertThat(http.send("GET", "/private", null, null).statusCode()).isIn(401, 403);
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class PermittingApplication {
        @Bean
        TestHandlers testHandlers() {
            return new TestHandlers();
        }

        @Bean
        SecurityFilterChain security(HttpSecurity http) throws Exception {
            http.authorizeHttpRequests(requests -> requests
                            .requestMatchers("/webhooks/refold").permitAll()   // the signature is the authentication
                            .anyRequest().authenticated())
                    .csrf(csrf -> csrf.ignoringRequestMatchers("/webhooks/refold"))
                    .httpBasic(Customizer.withDefaults());
            return http.build();
        }
    }
}
