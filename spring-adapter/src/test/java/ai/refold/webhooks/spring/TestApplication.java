package ai.refold.webhooks.spring;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;

/** A minimal application: the starter, the handlers above and a meter registry. */
@SpringBootConfiguration
@EnableAutoConfiguration
public class TestApplication {

    public static final String API_KEY = "spring-test-api-key";

    @Bean
    TestHandlers testHandlers() {
        return new TestHandlers();
    }

    @Bean
    MeterRegistry meterRegistry() {
        return new SimpleMeterRegistry();
    }
}
