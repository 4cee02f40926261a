package ai.refold.webhooks.benchmarks;

import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.webflux.RefoldWebhookWebFilter;

import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;

import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Deliveries per second through {@link RefoldWebhookWebFilter} on Reactor Netty, against the same server answering 200
 * from a bare WebFlux handler that reads the body, both on loopback, measured as {@link HttpLoadCheck} measures the
 * servlet filter. The filter runs with its defaults: verification, the in-memory store and the handler on Reactor's
 * boundedElastic scheduler.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar ai.refold.webhooks.benchmarks.WebFluxLoadCheck [deliveries] [seconds] [threads]
 * </pre>
 */
public final class WebFluxLoadCheck {

    private WebFluxLoadCheck() {
    }

    public static void main(String[] args) throws Exception {
        int deliveries = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        AtomicInteger handled = new AtomicInteger();
        WebhookReceiver receiver = WebhookReceiver.builder()
                .signingKey("live", Deliveries.API_KEY)
                .on(WorkflowErrored.class, (event, context) -> handled.incrementAndGet())
                .build();

        // The bare handler reads and releases the body, then answers 200 with no body, as the bare servlet does.
        HttpHandler handler = WebHttpHandlerBuilder
                .webHandler(exchange -> exchange.getRequest().getBody().doOnNext(DataBufferUtils::release).then(
                        reactor.core.publisher.Mono.defer(() -> {
                            exchange.getResponse().setStatusCode(HttpStatus.OK);
                            exchange.getResponse().getHeaders().setContentLength(0);
                            return exchange.getResponse().setComplete();
                        })))
                .filter(RefoldWebhookWebFilter.builder(receiver).build())
                .build();
        DisposableServer server = HttpServer.create().host("127.0.0.1").port(0)
                .handle(new ReactorHttpHandlerAdapter(handler)).bindNow(Duration.ofSeconds(30));
        boolean ok;
        try {
            String base = "http://127.0.0.1:" + server.port();
            ok = HttpLoadCheck.compare(base + "/bare", "bare WebFlux:  ", base + "/webhooks/refold",
                    "refold WebFilter:", deliveries, seconds, threads, handled);
        } finally {
            server.disposeNow(Duration.ofSeconds(10));
        }
        if (!ok) {
            System.exit(1);
        }
    }
}
