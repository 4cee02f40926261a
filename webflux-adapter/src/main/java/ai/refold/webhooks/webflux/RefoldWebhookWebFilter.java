package ai.refold.webhooks.webflux;

import ai.refold.webhooks.DeliveryResult;
import ai.refold.webhooks.Headers;
import ai.refold.webhooks.IncomingDelivery;
import ai.refold.webhooks.WebhookReceiver;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.PathContainer;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * A Spring WebFlux {@link WebFilter} that receives Refold deliveries on one path and passes every other request
 * along: the reactive twin of the servlet adapter's {@code RefoldWebhookFilter} in endpoint mode. It answers each
 * delivery itself with the status, headers and small JSON body its {@link WebhookReceiver} decides.
 *
 * <pre>{@code
 * HttpHandler app = WebHttpHandlerBuilder.webHandler(application)
 *         .filter(RefoldWebhookWebFilter.builder(receiver).build())
 *         .build();
 * }</pre>
 *
 * <p>The body is read as the server's data buffers arrive, each copied into the receiver and released at once, so
 * the signed bytes are the bytes verified and nothing waits for a slow sender: a declared length over the limit, a
 * missing or malformed signature header or a full body budget is answered before the body is asked for (no
 * {@code 100 Continue} is sent); a body of unknown length is answered 413 as soon as it passes the limit; a body
 * still incomplete at the read deadline is answered 408. Verification, parsing, the idempotency store and the
 * handlers never run on the thread that delivered the bytes (Netty's event loop): they run on
 * {@link Schedulers#boundedElastic()} unless {@link Builder#executor} or {@link Builder#scheduler} says otherwise,
 * and an asynchronous handler's completion resumes there too. All decisions are the receiver's; this class only
 * translates.
 */
public final class RefoldWebhookWebFilter implements WebFilter {

    /** The path the filter answers on unless told otherwise. */
    public static final String DEFAULT_PATH = "/webhooks/refold";

    // As the servlet filter answers: the receiver's media type, in UTF-8.
    private static final String CONTENT_TYPE = DeliveryResult.CONTENT_TYPE + ";charset=UTF-8";

    private final WebhookReceiver receiver;
    private final String path;
    private final List<PathContainer.Element> pathElements;
    private final Executor executor;

    private RefoldWebhookWebFilter(Builder builder) {
        this.receiver = builder.receiver;
        this.path = builder.path;
        this.pathElements = PathContainer.parsePath(path).elements();
        this.executor = builder.executor != null ? builder.executor : Schedulers.boundedElastic()::schedule;
        receiver.announce(path, "endpoint");
    }

    /**
     * {@return a builder for a filter that delivers to {@code receiver}}
     *
     * @param receiver the receiver that verifies, deduplicates and handles the deliveries
     * @throws NullPointerException if {@code receiver} is null
     */
    public static Builder builder(WebhookReceiver receiver) {
        return new Builder(Objects.requireNonNull(receiver, "receiver"));
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        ServerHttpRequest request = exchange.getRequest();
        if (!answers(request.getPath().pathWithinApplication())) {
            return chain.filter(exchange);
        }
        // Opened on subscription, not on assembly: an answer nobody subscribes to holds no share of the body budget.
        return Mono.defer(() -> {
            HttpHeaders sent = request.getHeaders();
            IncomingDelivery delivery = receiver.open(request.getMethod().name(), headers(sent),
                    sent.getContentLength());
            Optional<DeliveryResult> refusal = delivery.refusal();
            if (refusal.isPresent()) {
                return write(exchange.getResponse(), refusal.get());
            }
            return DeliveryBody.answer(delivery, request.getBody(), executor)
                    .flatMap(result -> write(exchange.getResponse(), result));
        });
    }

    /** {@return the path this filter answers on} */
    public String path() {
        return path;
    }

    @Override
    public String toString() {
        return "RefoldWebhookWebFilter[path=" + path + ", receiver=" + receiver + "]";
    }

    // The path as routing sees it: segment by segment, percent-decoded and without path parameters (";x=1"), so
    // that every spelling of the path that would reach a handler mapped on it meets the filter.
    private boolean answers(PathContainer requested) {
        List<PathContainer.Element> elements = requested.elements();
        if (elements.size() != pathElements.size()) {
            return false;
        }
        for (int i = 0; i < elements.size(); i++) {
            PathContainer.Element expected = pathElements.get(i);
            PathContainer.Element actual = elements.get(i);
            if (expected instanceof PathContainer.PathSegment segment
                    ? !(actual instanceof PathContainer.PathSegment given)
                    || !segment.valueToMatch().equals(given.valueToMatch())
                    : actual instanceof PathContainer.PathSegment) {
                return false;
            }
        }
        return true;
    }

    private static Headers headers(HttpHeaders sent) {
        Headers.Builder headers = Headers.builder();
        sent.forEach((name, values) -> values.forEach(value -> headers.add(name, value)));
        return headers.build();
    }

    static Mono<Void> write(ServerHttpResponse response, DeliveryResult result) {
        response.setStatusCode(HttpStatusCode.valueOf(result.status()));
        HttpHeaders headers = response.getHeaders();
        result.responseHeaders().forEach(headers::set);
        byte[] body = result.responseBody().getBytes(StandardCharsets.UTF_8);
        headers.set(HttpHeaders.CONTENT_TYPE, CONTENT_TYPE);
        headers.setContentLength(body.length);
        return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(body)));
    }

    /** Configures a {@link RefoldWebhookWebFilter}. Not thread-safe. */
    public static final class Builder {
        private final WebhookReceiver receiver;
        private String path = DEFAULT_PATH;
        private Executor executor;

        private Builder(WebhookReceiver receiver) {
            this.receiver = receiver;
        }

        /**
         * Sets the path, within the application, the filter answers on; {@value #DEFAULT_PATH} by default.
         *
         * @param path the path deliveries arrive on, for example {@code /webhooks/refold}
         * @return this builder
         * @throws NullPointerException     if {@code path} is null
         * @throws IllegalArgumentException if {@code path} does not start with '/'
         */
        public Builder path(String path) {
            Objects.requireNonNull(path, "path");
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("path must start with '/', not '" + path + "'");
            }
            this.path = path;
            return this;
        }

        /**
         * Sets where verification, the idempotency store and the handlers run, and where an asynchronous handler's
         * completion resumes; {@link Schedulers#boundedElastic()} by default. Never give it a scheduler whose
         * threads must not block (such as {@link Schedulers#parallel()}): the store and the handlers block.
         *
         * @param scheduler runs the delivery's blocking work; its threads may block
         * @return this builder
         * @throws NullPointerException if {@code scheduler} is null
         */
        public Builder scheduler(Scheduler scheduler) {
            Objects.requireNonNull(scheduler, "scheduler");
            this.executor = scheduler::schedule;
            return this;
        }

        /**
         * Sets where verification, the idempotency store and the handlers run, as {@link #scheduler} does, for an
         * application that has an executor of its own for blocking work. A delivery the executor refuses is
         * answered 503 so that Refold retries it; the rest of a run it refuses after an asynchronous handler's stage
         * completed goes on on a thread of the SDK's own, never on the thread that completed the stage.
         *
         * @param executor runs the delivery's blocking work; its threads may block
         * @return this builder
         * @throws NullPointerException if {@code executor} is null
         */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * Builds the filter and logs the receiver's startup line.
         *
         * @return a filter, ready to be registered as a {@code WebFilter} bean or in a handler chain
         */
        public RefoldWebhookWebFilter build() {
            return new RefoldWebhookWebFilter(this);
        }
    }
}
