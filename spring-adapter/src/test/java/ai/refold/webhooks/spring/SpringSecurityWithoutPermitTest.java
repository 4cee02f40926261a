package ai.refold.webhooks.spring;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.test.SamplePayloads;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When the Refold filter is ordered after Spring Security's filter chain and the path is not permitted, Spring
 * Security rejects deliveries before the receiver sees them.
 */
@SpringBootTest(classes = SpringSecurityWithoutPermitTest.DefaultSecurityApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"refold.webhooks.keys.test=" + TestApplication.API_KEY, "refold.webhooks.filter-order=0"})
class SpringSecurityWithoutPermitTest {

    @Value("${local.server.port}")
    int port;

    @Test
    void securityRejectsDeliveriesBeforeTheyAreVerified() {
        assertThat(new Http(port).deliver(SamplePayloads.of(EventType.CONNECTION_EXPIRED), TestApplication.API_KEY)
                .statusCode()).isIn(401, 403);
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class DefaultSecurityApplication {
        @Bean
        TestHandlers testHandlers() {
            return new TestHandlers();
        }
    }
}
