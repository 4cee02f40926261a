package ai.refold.webhooks.webflux;

import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.WorkflowCompleted;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.idempotency.ClaimResult;
import ai.refold.webhooks.idempotency.IdempotencyStore;
import ai.refold.webhooks.idempotency.InMemoryIdempotencyStore;
import ai.refold.webhooks.test.SamplePayloads;
import ai.refold.webhooks.test.TestDeliveries;
import ai.refold.webhooks.test.hardening.RawHttp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.core.io.buffer.DataBuffer;

import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The filter on a real Reactor Netty server, without Spring Boot: nothing blocking runs on an event loop (not the
 * store, not a handler, not what follows an asynchronous handler whose stage an event loop completed), a body of
 * unknown length is answered 413 while its sender is still sending, and every request buffer is released whatever
 * became of the request.
 */
@Timeout(60)
class WebFilterOverReactorNettyTest {

    private static final String API_KEY = "webflux-netty-test-api-key";
    private static final String COMPLETED_SAMPLE = "656f30f69144bb8f183c0118";

    private final Map<String, Boolean> onNonBlockingThread = new ConcurrentHashMap<>();
    private final List<Boolean> storeOnNonBlockingThread = new CopyOnWriteArrayList<>();
    private NettyServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private WebhookReceiver.Builder receiver() {
        return WebhookReceiver.builder().signingKey("test", API_KEY).idempotencyStore(new ThreadNotingStore());
    }

    @Test
    void noHandlerNoStoreCallAndNothingAfterAnAsynchronousHandlerRunsOnAnEventLoop() throws Exception {
        server = new NettyServer((exchange, chain) -> chain.filter(exchange));
        HttpClient client = HttpClient.create();
        WebhookReceiver receiver = receiver()
                .on(WorkflowErrored.class, (event, context) -> note("synchronous handler"))
                .onAsync(WorkflowCompleted.class, (event, context) -> {
                    note("asynchronous handler");
                    // Reactor Netty's client completes this stage on an event loop.
                    return client.get().uri(server.uri("/app")).response().toFuture();
                })
                .on(WorkflowCompleted.class, (event, context) -> note("handler after the asynchronous one"))
                .build();
        server.use(RefoldWebhookWebFilter.builder(receiver).build());

        for (EventType type : EventType.values()) {
            assertThat(deliver(SamplePayloads.of(type)).status()).as(type.wireName()).isEqualTo(200);
        }
        assertThat(deliver(new byte[0], "/app").status()).isEqualTo(204);

        assertThat(server.applicationOnNonBlockingThread).as("the application's own requests, on the event loop")
                .isNotEmpty().containsOnly(true);
        assertThat(onNonBlockingThread).containsOnlyKeys("synchronous handler", "asynchronous handler",
                "handler after the asynchronous one").containsValues(false).doesNotContainValue(true);
        assertThat(storeOnNonBlockingThread).hasSizeGreaterThanOrEqualTo(4).containsOnly(false);
    }

    // An application's own bounded executor may be full at the moment an asynchronous handler's stage completes on
    // an event loop: the rest of the run (the next handler, the store) must still not run on that event loop.
    @Test
    void whatFollowsAnAsynchronousHandlerStaysOffTheEventLoopWhenTheExecutorRefusesIt() throws Exception {
        ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new SynchronousQueue<>());
        CompletableFuture<Void> stage = new CompletableFuture<>();
        CountDownLatch handling = new CountDownLatch(1);
        CountDownLatch busy = new CountDownLatch(1);
        WebhookReceiver receiver = receiver()
                .onAsync(WorkflowCompleted.class, (event, context) -> {
                    handling.countDown();
                    return stage;
                })
                .on(WorkflowCompleted.class, (event, context) -> note("handler after the asynchronous one"))
                .build();
        RefoldWebhookWebFilter filter = RefoldWebhookWebFilter.builder(receiver).executor(executor).build();
        List<Boolean> releasedOnNonBlockingThread = new CopyOnWriteArrayList<>();
        server = new NettyServer((exchange, chain) -> {
            if (exchange.getRequest().getPath().value().equals("/release")) {
                // The application's request, on an event loop, completes the stage.
                releasedOnNonBlockingThread.add(Schedulers.isInNonBlockingThread());
                stage.complete(null);
                return chain.filter(exchange);
            }
            return filter.filter(exchange, chain);
        });
        byte[] body = SamplePayloads.of(EventType.WORKFLOW_COMPLETED);
        try {
            CompletableFuture<RawHttp.Response> delivered = CompletableFuture.supplyAsync(() -> deliverQuietly(body));
            assertThat(handling.await(20, TimeUnit.SECONDS)).isTrue();
            occupy(executor, busy); // its one thread is busy, and it queues nothing: it refuses what comes next
            storeOnNonBlockingThread.clear();

            assertThat(deliver(new byte[0], "/release").status()).isEqualTo(204);
            assertThat(delivered.get(20, TimeUnit.SECONDS).status()).isEqualTo(200);
            assertThat(releasedOnNonBlockingThread).containsExactly(true);
            assertThat(onNonBlockingThread).containsOnlyKeys("handler after the asynchronous one")
                    .doesNotContainValue(true);
            assertThat(storeOnNonBlockingThread).as("the completion").containsExactly(false);
        } finally {
            busy.countDown();
            executor.shutdownNow();
        }
    }

    // Hands the executor a task that holds its thread until `busy` is counted down, once its thread is free.
    private static void occupy(ThreadPoolExecutor executor, CountDownLatch busy) throws InterruptedException {
        for (int tries = 0; ; tries++) {
            try {
                executor.execute(() -> {
                    try {
                        busy.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                return;
            } catch (RejectedExecutionException stillBusy) {
                assertThat(tries).as("the executor's thread never came free").isLessThan(2000);
                Thread.sleep(10);
            }
        }
    }

    @Test
    void aBodyOfUnknownLengthIsAnswered413AsSoonAsItPassesTheLimitWhileItsSenderIsStillSending() throws Exception {
        server = new NettyServer(RefoldWebhookWebFilter.builder(receiver().maxBodyBytes(16 * 1024)
                .onAny((event, context) -> note("handler")).build()).build());
        byte[] part = new byte[4096];
        Arrays.fill(part, (byte) ' ');
        StringBuilder chunks = new StringBuilder();
        for (int i = 0; i < 5; i++) { // 20 KiB sent of a body whose end never comes
            chunks.append(Integer.toHexString(part.length)).append("\r\n").append(new String(part,
                    StandardCharsets.US_ASCII)).append("\r\n");
        }

        RawHttp.Response response = RawHttp.sendUnfinished(server.uri("/webhooks/refold"), head("Transfer-Encoding: "
                + "chunked", TestDeliveries.withKey(API_KEY).signature(part)), chunks.toString()
                .getBytes(StandardCharsets.US_ASCII));

        assertThat(response.status()).isEqualTo(413);
        assertThat(response.body()).startsWith("{\"status\":\"payload_too_large\"");
        assertThat(onNonBlockingThread).isEmpty();
    }

    // Reactor Netty's own read and request timeouts end a stalled body as a servlet container's read timeout does:
    // 408 read_timeout, not 400 body_unreadable.
    @Test
    void aBodyStalledPastTheServersOwnReadOrRequestTimeoutIsAnswered408AsOnAServletContainer() throws Exception {
        byte[] body = SamplePayloads.of(EventType.WORKFLOW_ERRORED);
        String signature = TestDeliveries.withKey(API_KEY).signature(body);
        WebhookReceiver receiver = receiver().readDeadline(Duration.ofSeconds(60))
                .onAny((event, context) -> note("handler")).build();
        List<java.util.function.UnaryOperator<reactor.netty.http.server.HttpServer>> timeouts = List.of(
                http -> http.readTimeout(Duration.ofMillis(300)), http -> http.requestTimeout(Duration.ofMillis(300)));
        for (var timeout : timeouts) {
            try (NettyServer stalling = new NettyServer(RefoldWebhookWebFilter.builder(receiver).build(), timeout)) {
                RawHttp.Response response = RawHttp.sendUnfinished(stalling.uri("/webhooks/refold"),
                        head("Content-Length: " + body.length, signature), Arrays.copyOf(body, body.length / 2));

                assertThat(response.status()).isEqualTo(408);
                assertThat(response.body()).startsWith("{\"status\":\"read_timeout\"");
            }
        }
        assertThat(onNonBlockingThread).isEmpty();
    }

    // A request with another method that declares a body is refused from its headers, as one without a signature
    // is: the server closes the connection rather than holding it open to drain a body nobody reads (Reactor Netty
    // has no idle timeout of its own, so a sender that never sends it held the connection for good).
    @Test
    void anotherMethodDeclaringABodyIsAnswered405AndItsConnectionClosed() throws Exception {
        server = new NettyServer(RefoldWebhookWebFilter.builder(receiver()
                .onAny((event, context) -> note("handler")).build()).build());

        try (Socket socket = new Socket("127.0.0.1", server.uri("/").getPort())) {
            // Bounds a hang only: a closed connection ends the read at once.
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(("DELETE /webhooks/refold HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Length: 100000\r\nx-cobalt-signature: " + "0".repeat(64) + "\r\n\r\n"
                    + "{\"event\":").getBytes(StandardCharsets.US_ASCII));
            String answer;
            try {
                answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.net.SocketTimeoutException e) {
                throw new AssertionError("the connection was held open after the 405", e);
            }

            assertThat(answer).startsWith("HTTP/1.1 405").containsIgnoringCase("connection: close")
                    .contains("{\"status\":\"method_not_allowed\"");
        }
        assertThat(onNonBlockingThread).isEmpty();
    }

    // A plain GET (a browser, an uptime probe) declares no length: Netty reports -1, yet it has no body to drain,
    // so its connection is kept for the next request.
    @Test
    void aGetWithoutABodyIsAnswered405AndItsConnectionKept() throws Exception {
        server = new NettyServer(RefoldWebhookWebFilter.builder(receiver()
                .onAny((event, context) -> note("handler")).build()).build());

        try (Socket socket = new Socket("127.0.0.1", server.uri("/").getPort())) {
            // Bounds a hang only: both answers come at once.
            socket.setSoTimeout(20_000);
            String get = "GET /webhooks/refold HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
            socket.getOutputStream().write((get + get).getBytes(StandardCharsets.US_ASCII));
            StringBuilder answers = new StringBuilder();
            byte[] buffer = new byte[4096];
            int read;
            while (answers.toString().split("HTTP/1.1 405", -1).length < 3
                    && (read = socket.getInputStream().read(buffer)) > 0) {
                answers.append(new String(buffer, 0, read, StandardCharsets.UTF_8));
            }

            assertThat(answers.toString()).as("both requests answered on one connection")
                    .containsPattern("(?s)HTTP/1.1 405.*HTTP/1.1 405").doesNotContainIgnoringCase("connection: close");
        }
        assertThat(onNonBlockingThread).isEmpty();
    }

    @Test
    void aCopyOfAnEventBeingHandledIsAnswered409WithRetryAfter() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        server = new NettyServer(RefoldWebhookWebFilter.builder(receiver()
                .on(WorkflowCompleted.class, (event, context) -> {
                    started.countDown();
                    release.await(20, TimeUnit.SECONDS);
                }).build()).build());
        byte[] body = SamplePayloads.of(EventType.WORKFLOW_COMPLETED);

        var first = CompletableFuture.supplyAsync(() -> deliverQuietly(body));
        assertThat(started.await(20, TimeUnit.SECONDS)).isTrue();
        RawHttp.Response copy = deliver(body);
        release.countDown();

        assertThat(copy.status()).isEqualTo(409);
        assertThat(copy.headers()).containsKey("retry-after");
        assertThat(first.get(20, TimeUnit.SECONDS).status()).isEqualTo(200);
        assertThat(deliver(body).body()).startsWith("{\"status\":\"duplicate\"");
    }

    @Test
    void everyRequestBufferIsReleasedWhateverBecameOfTheRequest() throws Exception {
        // Long enough for the complete delivery below to be read on a starved machine (its whole body comes with its
        // headers), short enough that the stalled one's 408 comes soon.
        server = new NettyServer(RefoldWebhookWebFilter.builder(receiver().maxBodyBytes(16 * 1024)
                .readDeadline(Duration.ofSeconds(2)).onAny((event, context) -> { }).build()).build());
        byte[] body = SamplePayloads.of(EventType.WORKFLOW_ERRORED);
        String signature = TestDeliveries.withKey(API_KEY).signature(body);
        byte[] large = new byte[64 * 1024];

        assertThat(deliver(body).status()).isEqualTo(200);
        assertThat(RawHttp.sendUnfinished(server.uri("/webhooks/refold"), head("Content-Length: " + body.length,
                signature), Arrays.copyOf(body, body.length / 2)).status()).as("stalled").isEqualTo(408);
        assertThat(RawHttp.sendUnfinished(server.uri("/webhooks/refold"), head("Transfer-Encoding: chunked",
                signature), chunked(large)).status()).as("over the limit").isEqualTo(413);
        assertThat(RawHttp.sendExpectingContinue(server.uri("/webhooks/refold"), head("Content-Length: "
                + large.length, signature), large).status()).as("declared over the limit").isEqualTo(413);
        abandonMidBody(head("Content-Length: " + body.length, signature), Arrays.copyOf(body, body.length / 2));

        assertThat(NettyServer.await(() -> server.bytesHeld() == 0))
                .as("bytes still held: %d", server.bytesHeld()).isTrue();
    }

    @Test
    void theCountingAllocatorSeesABufferThatIsNotReleased() throws Exception {
        List<DataBuffer> kept = new CopyOnWriteArrayList<>();
        server = new NettyServer((exchange, chain) -> exchange.getRequest().getBody().doOnNext(kept::add)
                .then(chain.filter(exchange)));

        assertThat(deliver("not released".getBytes(StandardCharsets.US_ASCII), "/app").status()).isEqualTo(204);

        assertThat(kept).isNotEmpty();
        assertThat(server.bytesHeld()).as("the check above would see a leak").isPositive();
        kept.forEach(org.springframework.core.io.buffer.DataBufferUtils::release);
    }

    private void note(String what) {
        onNonBlockingThread.put(what, Schedulers.isInNonBlockingThread());
    }

    private RawHttp.Response deliver(byte[] body) throws IOException {
        return deliver(body, "/webhooks/refold");
    }

    private RawHttp.Response deliverQuietly(byte[] body) {
        try {
            return deliver(body);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    // A whole request over a fresh connection; the server's answer is read once the body is sent.
    private RawHttp.Response deliver(byte[] body, String path) throws IOException {
        URI uri = server.uri(path);
        String head = head("Content-Length: " + body.length, TestDeliveries.withKey(API_KEY).signature(body))
                .replace("/webhooks/refold", path);
        return RawHttp.sendUnfinished(uri, head, body);
    }

    private String head(String framing, String signature) {
        return "POST /webhooks/refold HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: "
                + "application/json\r\nx-cobalt-signature: " + signature + "\r\n" + framing;
    }

    private static byte[] chunked(byte[] body) {
        return (Integer.toHexString(body.length) + "\r\n" + new String(body, StandardCharsets.ISO_8859_1) + "\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    // A client that sends half its body and closes the connection without waiting for an answer.
    private void abandonMidBody(String head, byte[] half) throws IOException {
        URI uri = server.uri("/webhooks/refold");
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write((head + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(half);
            out.flush();
        }
    }

    /** The in-memory store, noting whether each call that ends or makes a claim ran on a non-blocking thread. */
    private final class ThreadNotingStore implements IdempotencyStore {
        private final IdempotencyStore delegate = InMemoryIdempotencyStore.create();

        @Override
        public ClaimResult claim(String key, String owner, Duration lease) {
            storeOnNonBlockingThread.add(Schedulers.isInNonBlockingThread());
            return delegate.claim(key, owner, lease);
        }

        @Override
        public boolean renew(String key, String owner, Duration lease) {
            return delegate.renew(key, owner, lease);
        }

        @Override
        public boolean complete(String key, String owner, Duration retention) {
            storeOnNonBlockingThread.add(Schedulers.isInNonBlockingThread());
            return delegate.complete(key, owner, retention);
        }

        @Override
        public boolean release(String key, String owner) {
            storeOnNonBlockingThread.add(Schedulers.isInNonBlockingThread());
            return delegate.release(key, owner);
        }

        @Override
        public java.util.Optional<Duration> leaseRemaining(String key) {
            return delegate.leaseRemaining(key);
        }
    }
}
