package ai.refold.webhooks.webflux;

import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.ConnectionExpired;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.test.SamplePayloads;
import ai.refold.webhooks.test.TestDeliveries;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.server.WebHandler;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The WebFlux application without Spring Boot of docs/spring-boot.md, run as written: a receiver with a plain-Java asynchronous
 * handler and a blocking one, the filter in front of the application's own handler, on Reactor Netty, with the
 * filter's blocking work on a scheduler of the application's choosing.
 */
@Timeout(60)
class WithoutSpringBootTest {

    private final List<String> reconnects = new CopyOnWriteArrayList<>();
    private final List<String> alerts = new CopyOnWriteArrayList<>();

    @Test
    void theReadmesApplicationReceivesDeliveriesAndPassesEverythingElseOn() throws Exception {
        Scheduler blockingWork = Schedulers.newBoundedElastic(8, 1000, "refold-webhooks");
        WebHandler application = exchange -> {
            exchange.getResponse().setStatusCode(HttpStatus.NO_CONTENT);
            return exchange.getResponse().setComplete();
        };
        WebhookReceiver receiver = WebhookReceiver.builder()
                .signingKey("test", "my-refold-api-key")
                // completes later: the delivery is answered once the stage completes
                .onAsync(ConnectionExpired.class, (event, context) -> askToReconnect(event.linkedAccountId()))
                // blocks: runs on the filter's scheduler, never on Netty's event loop
                .on(WorkflowErrored.class, (event, context) -> alerts.add(event.instanceId()))
                .build();

        HttpHandler app = WebHttpHandlerBuilder.webHandler(application)
                .filter(RefoldWebhookWebFilter.builder(receiver).scheduler(blockingWork).build())
                .build();
        DisposableServer server = HttpServer.create().host("127.0.0.1").port(0)
                .handle(new ReactorHttpHandlerAdapter(app))
                .bindNow();
        try {
            HttpClient client = HttpClient.newHttpClient();
            for (EventType type : List.of(EventType.CONNECTION_EXPIRED, EventType.WORKFLOW_ERRORED)) {
                byte[] body = SamplePayloads.of(type);
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                + server.port() + "/webhooks/refold"))
                        .header("x-cobalt-signature", TestDeliveries.withKey("my-refold-api-key").signature(body))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).as(type.wireName()).isEqualTo(200);
            }
            HttpResponse<Void> other = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + server.port() + "/elsewhere")).GET().build(), HttpResponse.BodyHandlers.discarding());

            assertThat(other.statusCode()).isEqualTo(204);
            assertThat(reconnects).containsExactly("12345");
            assertThat(alerts).containsExactly("656f308b9144bb8f183bfc7b");
        } finally {
            server.disposeNow(Duration.ofSeconds(10));
            blockingWork.dispose();
        }
    }

    // Stands for a non-blocking call to another service.
    private CompletionStage<Void> askToReconnect(String linkedAccountId) {
        return Mono.delay(Duration.ofMillis(5)).doOnNext(tick -> reconnects.add(linkedAccountId)).then().toFuture();
    }
}
