package ai.refold.webhooks.examples.spring;

import ai.refold.webhooks.examples.ExampleKeys;
import ai.refold.webhooks.examples.ProcessedEvents;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A Spring Boot receiver: the starter on the classpath, one property for the key ({@code refold.webhooks.keys.test},
 * read from {@code REFOLD_API_KEY} in {@code application.properties}), and {@link RefoldHandlers} with a
 * {@code @RefoldWebhook} method per event. {@code GET /events} lists what the handlers did.
 */
@SpringBootApplication
public class SpringReceiverApp {

    private static final Logger LOG = LoggerFactory.getLogger(SpringReceiverApp.class);

    public static void main(String[] args) {
        if (System.getenv(ExampleKeys.VARIABLE) == null) {
            LOG.warn("{} is not set: verifying with the demo key, which real Refold deliveries will not match",
                    ExampleKeys.VARIABLE);
        }
        SpringApplication.run(SpringReceiverApp.class, args);
    }

    @Bean
    ProcessedEvents processedEvents() {
        return new ProcessedEvents();
    }

    @RestController
    static class EventsController {
        private final ProcessedEvents processed;

        EventsController(ProcessedEvents processed) {
            this.processed = processed;
        }

        @GetMapping(path = "/events", produces = MediaType.APPLICATION_JSON_VALUE)
        String events() {
            return processed.toJson();
        }
    }
}
