package ai.refold.webhooks.webflux;

import ai.refold.webhooks.DeliveryRequest;
import ai.refold.webhooks.DeliveryResult;
import ai.refold.webhooks.Headers;
import ai.refold.webhooks.Outcome;
import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.test.SamplePayloads;
import ai.refold.webhooks.test.TestDeliveries;

import io.netty.buffer.UnpooledByteBufAllocator;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.NettyDataBuffer;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The filter on mock exchanges, where the body's buffers, their demand and their release can be watched one by one:
 * what it answers is what core answers, what it refuses it refuses before asking for the body, a body of unknown
 * length is stopped at the buffer that passes the limit, and every buffer it took is released.
 */
@Timeout(30)
class RefoldWebhookWebFilterTest {

    private static final String API_KEY = "webflux-filter-test-api-key";
    private static final byte[] ERRORED = SamplePayloads.of(EventType.WORKFLOW_ERRORED);
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final NettyDataBufferFactory buffers = new NettyDataBufferFactory(new UnpooledByteBufAllocator(false));
    private final List<NettyDataBuffer> sent = new CopyOnWriteArrayList<>();
    private final List<String> handlerThreads = new CopyOnWriteArrayList<>();
    private final ExecutorService blockingWork = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "blocking-work");
        thread.setDaemon(true);
        return thread;
    });

    @AfterEach
    void stopExecutor() {
        blockingWork.shutdownNow();
    }

    private WebhookReceiver.Builder receiver() {
        return WebhookReceiver.builder().signingKey("test", API_KEY)
                .on(WorkflowErrored.class, (event, context) -> handlerThreads.add(Thread.currentThread().getName()));
    }

    private RefoldWebhookWebFilter filter(WebhookReceiver receiver) {
        return RefoldWebhookWebFilter.builder(receiver).executor(blockingWork).build();
    }

    @Test
    void aSignedDeliveryGetsCoresAnswerAndItsHandlerRunsOnTheExecutor() {
        DeliveryResult expected = WebhookReceiver.builder().signingKey("test", API_KEY)
                .on(WorkflowErrored.class, (event, context) -> { }).build().receive(signed(ERRORED));
        MockServerWebExchange exchange = exchange(post(ERRORED.length, signature(ERRORED)), chunks(ERRORED, 100));

        filter(receiver().build()).filter(exchange, unreachable()).block(WAIT);

        assertThat(exchange.getResponse().getStatusCode().value()).isEqualTo(200);
        assertThat(exchange.getResponse().getBodyAsString().block(WAIT)).isEqualTo(expected.responseBody());
        assertThat(exchange.getResponse().getHeaders().getFirst(HttpHeaders.CONTENT_TYPE))
                .isEqualTo("application/json;charset=UTF-8");
        assertThat(exchange.getResponse().getHeaders().getContentLength())
                .isEqualTo(expected.responseBody().getBytes(StandardCharsets.UTF_8).length);
        assertThat(handlerThreads).containsExactly("blocking-work");
        assertEveryBufferReleased();
    }

    @Test
    void otherPathsGoToTheRestOfTheChainAndEverySpellingOfThePathMeetsTheFilter() {
        RefoldWebhookWebFilter filter = filter(receiver().build());
        for (String other : List.of("/webhooks/refold/", "/webhooks/refoldx", "/webhooks", "/other/webhooks/refold")) {
            AtomicInteger passed = new AtomicInteger();
            MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.post(other));

            filter.filter(exchange, next -> Mono.fromRunnable(passed::incrementAndGet)).block(WAIT);

            assertThat(passed).as(other).hasValue(1);
            assertThat(exchange.getResponse().getStatusCode()).as(other).isNull();
        }
        for (String spelling : List.of("/webhooks/refold;x=1", "/webhooks/%72efold", "/webhooks;a=b/refold")) {
            MockServerWebExchange exchange = exchange(MockServerHttpRequest.method(HttpMethod.POST,
                    URI.create(spelling)).header("x-cobalt-signature", signature(ERRORED))
                    .contentLength(ERRORED.length), chunks(ERRORED, ERRORED.length));

            filter.filter(exchange, unreachable()).block(WAIT);

            assertThat(exchange.getResponse().getStatusCode().value()).as(spelling).isEqualTo(200);
        }
    }

    @Test
    void aRequestRefusedFromItsHeadersIsAnsweredWithoutItsBodyBeingAskedFor() {
        RefoldWebhookWebFilter filter = filter(receiver().maxBodyBytes(1024).build());
        List<MockServerHttpRequest.BodyBuilder> refused = List.of(
                post(ERRORED.length, null),
                post(ERRORED.length, "not-hex"),
                post(2048, signature(ERRORED)),
                MockServerHttpRequest.method(HttpMethod.GET, "/webhooks/refold")
                        .header("x-cobalt-signature", signature(ERRORED)));
        List<Integer> statuses = new ArrayList<>();
        for (MockServerHttpRequest.BodyBuilder request : refused) {
            AtomicInteger subscriptions = new AtomicInteger();
            MockServerWebExchange exchange = exchange(request, Flux.defer(() -> {
                subscriptions.incrementAndGet();
                return chunks(ERRORED, 100);
            }));

            filter.filter(exchange, unreachable()).block(WAIT);

            statuses.add(exchange.getResponse().getStatusCode().value());
            assertThat(subscriptions).hasValue(0);
        }
        assertThat(statuses).containsExactly(401, 401, 413, 405);
        assertThat(handlerThreads).isEmpty();
    }

    @Test
    void aMethodNotAllowedCarriesTheMethodsAllowedAsCoreSaysAndARefusedUploadAsksToCloseTheConnection() {
        RefoldWebhookWebFilter filter = filter(receiver().maxBodyBytes(1024).build());
        MockServerWebExchange get = exchange(MockServerHttpRequest.method(HttpMethod.GET, "/webhooks/refold"),
                Flux.empty());
        MockServerWebExchange tooLarge = exchange(post(4096, signature(ERRORED)), Flux.empty());

        filter.filter(get, unreachable()).block(WAIT);
        filter.filter(tooLarge, unreachable()).block(WAIT);

        assertThat(get.getResponse().getHeaders().getFirst("Allow")).isEqualTo("POST, PUT, PATCH");
        assertThat(tooLarge.getResponse().getHeaders().getFirst("Connection")).isEqualTo("close");
        assertThat(tooLarge.getResponse().getBodyAsString().block(WAIT))
                .startsWith("{\"status\":\"payload_too_large\"");
    }

    @Test
    void aBodyOfUnknownLengthIsStoppedAtTheBufferThatPassesTheLimitAndNothingAfterItIsAskedFor() {
        byte[] large = new byte[64 * 1024];
        Arrays.fill(large, (byte) ' ');
        AtomicLong requested = new AtomicLong();
        MockServerWebExchange exchange = exchange(post(-1, signature(large)),
                chunks(large, 1000).doOnRequest(n -> requested.addAndGet(Math.min(n, 1_000_000))));

        filter(receiver().maxBodyBytes(4096).build()).filter(exchange, unreachable()).block(WAIT);

        assertThat(exchange.getResponse().getStatusCode().value()).isEqualTo(413);
        // 4,097 bytes cross the limit: the fifth buffer of 1,000 bytes; whatever the demand, no later one was sent.
        assertThat(sent).hasSize(5);
        assertEveryBufferReleased();
    }

    @Test
    void aBodyOfUnknownLengthThatOutgrowsTheBudgetIsAnsweredBusy() {
        byte[] large = new byte[40 * 1024];
        Arrays.fill(large, (byte) ' ');
        MockServerWebExchange exchange = exchange(post(-1, signature(large)), chunks(large, 4096));

        filter(receiver().bodyBudget(16 * 1024).build()).filter(exchange, unreachable()).block(WAIT);

        assertThat(exchange.getResponse().getStatusCode().value()).isEqualTo(503);
        assertThat(exchange.getResponse().getHeaders().getFirst("Retry-After")).isEqualTo("1");
        assertEveryBufferReleased();
    }

    @Test
    void aBodyStillIncompleteAtTheReadDeadlineIsAnswered408() {
        MockServerWebExchange exchange = exchange(post(ERRORED.length, signature(ERRORED)),
                chunks(Arrays.copyOf(ERRORED, 50), 50).concatWith(Flux.never()));

        filter(receiver().readDeadline(Duration.ofMillis(200)).build()).filter(exchange, unreachable()).block(WAIT);

        assertThat(exchange.getResponse().getStatusCode().value()).isEqualTo(408);
        assertThat(exchange.getResponse().getHeaders().getFirst("Connection")).isEqualTo("close");
        assertThat(handlerThreads).isEmpty();
        assertEveryBufferReleased();
    }

    @Test
    void aConnectionThatFailsMidBodyIsAnUnreadableBody() {
        MockServerWebExchange exchange = exchange(post(ERRORED.length, signature(ERRORED)),
                chunks(Arrays.copyOf(ERRORED, 50), 25).concatWith(Flux.error(new IOException("connection reset"))));

        filter(receiver().build()).filter(exchange, unreachable()).block(WAIT);

        assertThat(exchange.getResponse().getStatusCode().value()).isEqualTo(400);
        assertThat(exchange.getResponse().getBodyAsString().block(WAIT)).startsWith("{\"status\":\"body_unreadable\"")
                .doesNotContain("connection reset");
        assertEveryBufferReleased();
    }

    @Test
    void aBodyShorterThanItsDeclaredLengthIsAnUnreadableBody() {
        MockServerWebExchange exchange = exchange(post(ERRORED.length + 10, signature(ERRORED)),
                chunks(ERRORED, 64));

        filter(receiver().build()).filter(exchange, unreachable()).block(WAIT);

        assertThat(exchange.getResponse().getStatusCode().value()).isEqualTo(400);
        assertThat(handlerThreads).isEmpty();
    }

    @Test
    void aRequestCancelledWhileItsBodyIsReadGivesItsBytesBackToTheBudget() {
        WebhookReceiver receiver = receiver().bodyBudget(ERRORED.length).build();
        RefoldWebhookWebFilter filter = filter(receiver);
        MockServerWebExchange abandoned = exchange(post(ERRORED.length, signature(ERRORED)),
                chunks(Arrays.copyOf(ERRORED, 50), 50).concatWith(Flux.never()));

        Disposable reading = filter.filter(abandoned, unreachable()).subscribe();
        reading.dispose();
        MockServerWebExchange next = exchange(post(ERRORED.length, signature(ERRORED)), chunks(ERRORED, 64));
        filter.filter(next, unreachable()).block(WAIT);

        // The budget holds one body: had the abandoned one kept its bytes, this one would be answered busy.
        assertThat(next.getResponse().getStatusCode().value()).isEqualTo(200);
        assertEveryBufferReleased();
    }

    // Nothing happens until the answer is subscribed to: a filter called by a chain that never subscribes (or that
    // assembles the chain ahead) holds no share of the budget and opens no delivery.
    @Test
    void aDeliveryWhoseAnswerIsNeverSubscribedToHoldsNoBudget() {
        WebhookReceiver receiver = receiver().bodyBudget(ERRORED.length).build();
        RefoldWebhookWebFilter filter = filter(receiver);
        MockServerWebExchange unsubscribed = exchange(post(ERRORED.length, signature(ERRORED)), chunks(ERRORED, 64));

        filter.filter(unsubscribed, unreachable());
        MockServerWebExchange next = exchange(post(ERRORED.length, signature(ERRORED)), chunks(ERRORED, 64));
        filter.filter(next, unreachable()).block(WAIT);

        assertThat(next.getResponse().getStatusCode().value()).isEqualTo(200);
        assertThat(unsubscribed.getResponse().getStatusCode()).isNull();
    }

    @Test
    void anExecutorThatRefusesTheWorkMakesCoreAnswerOverloaded() {
        RefoldWebhookWebFilter filter = RefoldWebhookWebFilter.builder(receiver().build()).executor(task -> {
            throw new RejectedExecutionException("saturated");
        }).build();
        MockServerWebExchange exchange = exchange(post(ERRORED.length, signature(ERRORED)), chunks(ERRORED, 64));

        filter.filter(exchange, unreachable()).block(WAIT);

        assertThat(exchange.getResponse().getStatusCode().value()).isEqualTo(Outcome.OVERLOADED.httpStatus());
        assertThat(handlerThreads).isEmpty();
    }

    @Test
    void theBuilderValidatesAndTheFilterNeverShowsAKey() {
        WebhookReceiver receiver = receiver().build();

        assertThatThrownBy(() -> RefoldWebhookWebFilter.builder(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> RefoldWebhookWebFilter.builder(receiver).path("webhooks"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must start with '/'");
        assertThatThrownBy(() -> RefoldWebhookWebFilter.builder(receiver).scheduler(null))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> RefoldWebhookWebFilter.builder(receiver).executor(null))
                .isInstanceOf(NullPointerException.class);
        RefoldWebhookWebFilter filter = RefoldWebhookWebFilter.builder(receiver).path("/hooks/refold").build();
        assertThat(filter.path()).isEqualTo("/hooks/refold");
        assertThat(filter.toString()).contains("/hooks/refold").doesNotContain(API_KEY);
    }

    private static org.springframework.web.server.WebFilterChain unreachable() {
        return exchange -> Mono.error(new AssertionError("the delivery reached the rest of the chain"));
    }

    private static MockServerHttpRequest.BodyBuilder post(long contentLength, String signature) {
        MockServerHttpRequest.BodyBuilder request = MockServerHttpRequest.post("/webhooks/refold")
                .header(HttpHeaders.CONTENT_TYPE, "application/json");
        if (contentLength >= 0) {
            request.contentLength(contentLength);
        }
        if (signature != null) {
            request.header("x-cobalt-signature", signature);
        }
        return request;
    }

    private static MockServerWebExchange exchange(MockServerHttpRequest.BodyBuilder request,
                                                  Flux<? extends DataBuffer> body) {
        return MockServerWebExchange.from(request.body(body));
    }

    // The body in buffers of `size` bytes, each recorded when it is sent so that its release can be checked.
    private Flux<DataBuffer> chunks(byte[] body, int size) {
        return Flux.range(0, (body.length + size - 1) / size).map(i -> {
            NettyDataBuffer buffer = buffers.wrap(io.netty.buffer.Unpooled.wrappedBuffer(Arrays.copyOfRange(body, i * size,
                    Math.min(body.length, (i + 1) * size))));
            sent.add(buffer);
            return buffer;
        });
    }

    private void assertEveryBufferReleased() {
        assertThat(sent).isNotEmpty().allSatisfy(buffer -> assertThat(buffer.getNativeBuffer().refCnt())
                .as("reference count").isZero());
    }

    private static String signature(byte[] body) {
        return TestDeliveries.withKey(API_KEY).signature(body);
    }

    private static DeliveryRequest signed(byte[] body) {
        return DeliveryRequest.of("POST", Headers.of("x-cobalt-signature", signature(body)), body);
    }
}
