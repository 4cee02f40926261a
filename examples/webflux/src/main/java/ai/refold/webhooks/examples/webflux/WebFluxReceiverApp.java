package ai.refold.webhooks.examples.webflux;

import ai.refold.webhooks.examples.ExampleKeys;
import ai.refold.webhooks.examples.ProcessedEvents;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * The Spring Boot example receiver as a WebFlux application on Reactor Netty: the starter and
 * {@code refold-webhooks-webflux} on the classpath, one property for the key ({@code refold.webhooks.keys.test},
 * read from {@code REFOLD_API_KEY} in {@code application.properties}), and {@link RefoldHandlers} with a
 * {@code @RefoldWebhook} method per event, reactive or blocking. {@code GET /events} lists what the handlers did.
 */
@SpringBootApplication
public class WebFluxReceiverApp {

    private static final Logger LOG = LoggerFactory.getLogger(WebFluxReceiverApp.class);

    public static void main(String[] args) {
        if (System.getenv(ExampleKeys.VARIABLE) == null) {
            LOG.warn("{} is not set: verifying with the demo key, which real Refold deliveries will not match",
                    ExampleKeys.VARIABLE);
        }
        SpringApplication.run(WebFluxReceiverApp.class, args);
    }

    @Bean
    ProcessedEvents processedEvents() {
        return new ProcessedEvents();
    }

    @Bean
    RouterFunction<ServerResponse> events(ProcessedEvents processed) {
        return RouterFunctions.route(RequestPredicates.GET("/events"), request -> ServerResponse.ok()
                .contentType(MediaType.APPLICATION_JSON).bodyValue(processed.toJson()));
    }
}
