package ai.refold.webhooks.servlet;

import ai.refold.webhooks.DeliveryContext;
import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.WebhookEvent;
import ai.refold.webhooks.event.WorkflowCompleted;
import ai.refold.webhooks.test.hardening.RawHttp;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.Filter;
import jakarta.servlet.ReadListener;
import jakarta.servlet.Servlet;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static ai.refold.webhooks.servlet.Deliveries.API_KEY;
import static ai.refold.webhooks.servlet.Deliveries.SIGNATURE_HEADER;
import static ai.refold.webhooks.servlet.Deliveries.SIGNED;
import static ai.refold.webhooks.servlet.Deliveries.post;
import static ai.refold.webhooks.servlet.Deliveries.signedPost;
import static ai.refold.webhooks.servlet.Deliveries.workflowCompleted;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The behaviour of {@link RefoldWebhookFilter} over real HTTP, run against every supported container by the
 * subclasses. Each test starts its own container with the filter on every path in front of an application servlet.
 */
@Timeout(60)
abstract class FilterContractTest {

    static final String PATH = RefoldWebhookFilter.DEFAULT_PATH;
    static final int MAX_BODY = 1024;

    static HttpClient client;
    static ExecutorService clientThreads;

    private ServletContainer container;

    /** Starts the container under test. */
    protected abstract ServletContainer start(Filter filter, Map<String, String> initParameters, Servlet app)
            throws Exception;

    @BeforeAll
    static void createClient() {
        clientThreads = Executors.newCachedThreadPool();
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(clientThreads).build();
    }

    @AfterAll
    static void closeClient() {
        clientThreads.shutdownNow();
    }

    @AfterEach
    void stopContainer() throws Exception {
        if (container != null) {
            container.close();
        }
    }

    // ---- endpoint mode ----

    @Test
    void validDeliveryIsAnswered200AfterItsHandlerRan() throws Exception {
        List<WebhookEvent> handled = new CopyOnWriteArrayList<>();
        startEndpoint(receiver().onAny((event, context) -> handled.add(event)), new AppServlet());

        HttpResponse<String> response = send(signedPost(uri(PATH), workflowCompleted("inst-valid")));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/json"));
        assertThat(response.body()).startsWith("{\"status\":\"processed\",");
        assertThat(handled).singleElement().isInstanceOfSatisfying(WorkflowCompleted.class,
                event -> assertThat(event.instanceId()).isEqualTo("inst-valid"));
    }

    @Test
    void forgedSignatureIsAnswered401WithoutRunningTheHandler() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        startEndpoint(receiver().onAny((event, context) -> runs.incrementAndGet()), new AppServlet());
        byte[] body = workflowCompleted("inst-forged");
        String forged = SIGNED.signature("something else".getBytes(StandardCharsets.UTF_8));

        HttpResponse<String> response = send(post(uri(PATH), body, forged));

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.body()).contains("\"status\":\"signature_mismatch\"");
        assertThat(runs).hasValue(0);
    }

    @Test
    void duplicateDeliveryIsAnswered200WithoutRunningTheHandlerAgain() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        startEndpoint(receiver().onAny((event, context) -> runs.incrementAndGet()), new AppServlet());
        byte[] body = workflowCompleted("inst-duplicate");

        HttpResponse<String> first = send(signedPost(uri(PATH), body));
        HttpResponse<String> second = send(signedPost(uri(PATH), body));

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(second.body()).contains("\"status\":\"duplicate\"");
        assertThat(runs).hasValue(1);
    }

    @Test
    void concurrentCopiesOfOneDeliveryRunTheHandlerExactlyOnce() throws Exception {
        int copies = 32;
        // The handler holds its claim until every other copy has been answered, so they all meet it in progress.
        CountDownLatch othersAnswered = new CountDownLatch(copies - 1);
        AtomicInteger runs = new AtomicInteger();
        AtomicBoolean handlerSawAllOthers = new AtomicBoolean();
        startEndpoint(receiver().onAny((event, context) -> {
            runs.incrementAndGet();
            handlerSawAllOthers.set(othersAnswered.await(50, TimeUnit.SECONDS));
        }), new AppServlet());
        HttpRequest request = signedPost(uri(PATH), workflowCompleted("inst-concurrent"));

        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < copies; i++) {
            responses.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                    .whenComplete((response, failure) -> {
                        if (response != null && response.statusCode() != 200) {
                            othersAnswered.countDown();
                        }
                    }));
        }
        List<Integer> statuses = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> response : responses) {
            statuses.add(response.get().statusCode());
        }

        assertThat(runs).hasValue(1);
        assertThat(handlerSawAllOthers).isTrue();
        assertThat(statuses).containsOnly(200, 409);
        assertThat(statuses).filteredOn(status -> status == 200).hasSize(1);
    }

    @Test
    void signatureIsVerifiedOverTheExactBytesIncludingCrlfMultiByteUtf8AndTrailingNewline() throws Exception {
        List<byte[]> received = new CopyOnWriteArrayList<>();
        startEndpoint(receiver().onAny((event, context) -> received.add(event.payload().toByteArray())),
                new AppServlet());
        byte[] body = ("{\r\n  \"event\": \"Workflow Completed\",\r\n  \"instance_id\": \"inst-bytes\",\r\n"
                + "  \"workflow_name\": \"Über-Export → Zoë ✓ 日本語 \uD83D\uDE80\"\r\n}\n")
                .getBytes(StandardCharsets.UTF_8);

        HttpResponse<String> response = send(signedPost(uri(PATH), body));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(received).singleElement().isEqualTo(body);
    }

    @Test
    void chunkedUploadWithoutContentLengthIsProcessed() throws Exception {
        List<DeliveryContext> contexts = new CopyOnWriteArrayList<>();
        startEndpoint(receiver().onAny((event, context) -> contexts.add(context)), new AppServlet());
        byte[] body = workflowCompleted("inst-chunked");
        HttpRequest request = HttpRequest.newBuilder(uri(PATH))
                .header(SIGNATURE_HEADER, SIGNED.signature(body))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
                .build();

        HttpResponse<String> response = send(request);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(contexts).singleElement().satisfies(context -> {
            assertThat(context.headers().first("Content-Length")).isEmpty();
            assertThat(context.headers().first("Transfer-Encoding")).hasValue("chunked");
        });
    }

    @Test
    void bodyOverTheLimitIsAnswered413() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        startEndpoint(receiver().onAny((event, context) -> runs.incrementAndGet()), new AppServlet());
        byte[] body = new byte[MAX_BODY + 1];

        HttpResponse<String> declared = send(post(uri(PATH), body, SIGNED.signature(body)));
        HttpResponse<String> chunked = send(HttpRequest.newBuilder(uri(PATH))
                .header(SIGNATURE_HEADER, SIGNED.signature(body))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
                .build());

        assertThat(declared.statusCode()).isEqualTo(413);
        assertThat(declared.body()).contains("\"status\":\"payload_too_large\"");
        assertThat(chunked.statusCode()).isEqualTo(413);
        assertThat(runs).hasValue(0);
    }

    @Test
    void declaredLengthOverTheLimitIsAnswered413BeforeAnyOfTheBodyIsSent() throws Exception {
        startEndpoint(receiver().allowNoHandlers(), new AppServlet());

        // 64 MiB declared, not one byte sent, and the client asks to be told before it sends any.
        RawHttp.Response response = RawHttp.sendUnfinished(uri(PATH), "POST " + PATH + " HTTP/1.1\r\n"
                + "Host: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " + (64 << 20) + "\r\n"
                + "Expect: 100-continue\r\n" + SIGNATURE_HEADER + ": " + "0".repeat(64), new byte[0]);

        assertThat(response.status()).isEqualTo(413);
        assertThat(response.headers()).containsEntry("connection", "close");
        assertThat(response.body()).contains("\"status\":\"payload_too_large\"");
    }

    @Test
    void chunkedBodyStreamingPastTheLimitIsAnswered413BeforeItEnds() throws Exception {
        startEndpoint(receiver().allowNoHandlers(), new AppServlet());
        int chunk = MAX_BODY + 512;
        byte[] firstChunk = (Integer.toHexString(chunk) + "\r\n" + " ".repeat(chunk) + "\r\n")
                .getBytes(StandardCharsets.US_ASCII);

        // One chunk past the limit and no last chunk: the upload still has more to come when the answer is read.
        RawHttp.Response response = RawHttp.sendUnfinished(uri(PATH), "POST " + PATH + " HTTP/1.1\r\n"
                + "Host: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                + SIGNATURE_HEADER + ": " + "0".repeat(64), firstChunk);

        assertThat(response.status()).isEqualTo(413);
        assertThat(response.body()).contains("\"status\":\"payload_too_large\"");
    }

    @Test
    void getIsAnswered405WithAllowHeader() throws Exception {
        startEndpoint(receiver().allowNoHandlers(), new AppServlet());

        HttpResponse<String> response = send(HttpRequest.newBuilder(uri(PATH)).GET().build());

        assertThat(response.statusCode()).isEqualTo(405);
        assertThat(response.headers().firstValue("Allow")).hasValue("POST, PUT, PATCH");
    }

    @Test
    void handlerFailureIsAnswered500AndTheRetryIsProcessed() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        AtomicInteger successes = new AtomicInteger();
        startEndpoint(receiver().onAny((event, context) -> {
            if (attempts.incrementAndGet() == 1) {
                throw new IllegalStateException("downstream system is down");
            }
            successes.incrementAndGet();
        }), new AppServlet());
        byte[] body = workflowCompleted("inst-retry");

        HttpResponse<String> failed = send(signedPost(uri(PATH), body));
        HttpResponse<String> retried = send(signedPost(uri(PATH), body));
        HttpResponse<String> again = send(signedPost(uri(PATH), body));

        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(failed.body()).contains("\"status\":\"handler_failed\"").doesNotContain("downstream system");
        assertThat(retried.statusCode()).isEqualTo(200);
        assertThat(again.body()).contains("\"status\":\"duplicate\"");
        assertThat(successes).hasValue(1);
    }

    @Test
    void otherPathsReachTheApplicationUntouched() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        AppServlet app = new AppServlet();
        startEndpoint(receiver().onAny((event, context) -> runs.incrementAndGet()), app);
        byte[] body = workflowCompleted("inst-elsewhere");

        HttpResponse<String> post = send(post(uri("/api/orders"), body, "not a signature"));
        HttpResponse<String> get = send(HttpRequest.newBuilder(uri("/webhooks/refold/other")).GET().build());

        assertThat(post.statusCode()).isEqualTo(200);
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(app.requests).extracting(AppRequest::path).containsExactly("/api/orders",
                "/webhooks/refold/other");
        assertThat(app.requests.get(0).body()).isEqualTo(body);
        assertThat(app.requests.get(0).event()).isNull();
        assertThat(runs).hasValue(0);
    }

    @Test
    void pathParametersDoNotLetADeliveryPastTheFilter() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        AppServlet app = new AppServlet();
        startEndpoint(receiver().onAny((event, context) -> runs.incrementAndGet()), app);
        byte[] body = workflowCompleted("inst-path-parameter");

        HttpResponse<String> forged = send(post(uri(PATH + ";x=1"), body, "0".repeat(64)));
        HttpResponse<String> signed = send(signedPost(uri(PATH + ";x=1"), body));

        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(signed.statusCode()).isEqualTo(200);
        assertThat(app.requests).isEmpty();
        assertThat(runs).hasValue(1);
    }

    // ---- forward mode ----

    @Test
    void forwardModeHandsTheApplicationTheVerifiedBytesAndEvent() throws Exception {
        AppServlet app = new AppServlet();
        startForward(app);
        byte[] body = ("{\"event\":\"Workflow Completed\",\"instance_id\":\"inst-forward\","
                + "\"workflow_name\":\"Zoë → 日本語 \uD83D\uDE80\"}\r\n").getBytes(StandardCharsets.UTF_8);

        HttpResponse<String> response = send(signedPost(uri(PATH), body));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("app handled " + PATH);
        assertThat(app.requests).singleElement().satisfies(seen -> {
            assertThat(seen.body()).isEqualTo(body);
            assertThat(seen.contentLength()).isEqualTo(body.length);
            assertThat(seen.event()).isInstanceOfSatisfying(WorkflowCompleted.class, event -> {
                assertThat(event.instanceId()).isEqualTo("inst-forward");
                assertThat(event.payload().toByteArray()).isEqualTo(body);
            });
            assertThat(seen.context()).isInstanceOfSatisfying(DeliveryContext.class, context -> {
                assertThat(context.keyLabel()).isEqualTo("test");
                assertThat(context.idempotencyKey()).contains("inst-forward");
            });
        });
    }

    @Test
    void forwardModeBodyReadsThroughTheReaderAsUtf8() throws Exception {
        AppServlet app = new AppServlet().readingText();
        startForward(app);
        String text = "{\"event\":\"Workflow Completed\",\"instance_id\":\"inst-reader\","
                + "\"workflow_name\":\"Größe ½ → 日本語 \uD83D\uDE80\"}\n";
        byte[] body = text.getBytes(StandardCharsets.UTF_8);

        HttpResponse<String> response = send(signedPost(uri(PATH), body));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(app.requests).singleElement().satisfies(seen -> {
            assertThat(seen.text()).isEqualTo(text);
            assertThat(seen.body()).isEqualTo(body);
        });
    }

    @Test
    void forwardModeRecordsA2xxAnswerSoACopyIsADuplicateThatNeverReachesTheApplication() throws Exception {
        AppServlet app = new AppServlet().answering(204);
        startForward(app);
        byte[] body = workflowCompleted("inst-forward-duplicate");

        HttpResponse<String> first = send(signedPost(uri(PATH), body));
        HttpResponse<String> copy = send(signedPost(uri(PATH), body));

        assertThat(first.statusCode()).isEqualTo(204);
        assertThat(copy.statusCode()).isEqualTo(200);
        assertThat(copy.body()).contains("\"status\":\"duplicate\"");
        assertThat(app.requests).hasSize(1);
    }

    @Test
    void forwardModeReleasesTheEventWhenTheApplicationAnswers500() throws Exception {
        AppServlet app = new AppServlet().answering(500, 200);
        startForward(app);
        byte[] body = workflowCompleted("inst-forward-500");

        HttpResponse<String> failed = send(signedPost(uri(PATH), body));
        HttpResponse<String> retried = send(signedPost(uri(PATH), body));
        HttpResponse<String> copy = send(signedPost(uri(PATH), body));

        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(retried.statusCode()).isEqualTo(200);
        assertThat(copy.body()).contains("\"status\":\"duplicate\"");
        assertThat(app.requests).hasSize(2);
    }

    @Test
    void forwardModeReleasesTheEventWhenTheApplicationThrows() throws Exception {
        AppServlet app = new AppServlet().throwingFirst();
        startForward(app);
        byte[] body = workflowCompleted("inst-forward-throws");

        HttpResponse<String> failed = send(signedPost(uri(PATH), body));
        HttpResponse<String> retried = send(signedPost(uri(PATH), body));

        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(retried.statusCode()).isEqualTo(200);
        assertThat(app.requests).hasSize(2);
    }

    // What Tomcat's ClientAbortException looks like: the application's 200 is on the wire, then Refold hangs up and
    // a later write throws. The sender was told the event is done, so a copy is a duplicate, as in endpoint mode.
    @Test
    void forwardModeRecordsA2xxAlreadySentEvenIfTheApplicationThrowsAfterIt() throws Exception {
        AppServlet app = new AppServlet().throwingFirstAfterItsAnswer(new IOException("Broken pipe"));
        startForward(app);
        byte[] body = workflowCompleted("inst-forward-committed");

        try {
            send(signedPost(uri(PATH), body));
        } catch (IOException cut) {
            // the container may cut the connection after the committed answer
        }
        HttpResponse<String> copy = send(signedPost(uri(PATH), body));

        assertThat(copy.statusCode()).isEqualTo(200);
        assertThat(copy.body()).contains("\"status\":\"duplicate\"");
        assertThat(app.requests).hasSize(1);
    }

    // A response also commits when its buffer fills: an application that threw after writing part of a 200 did not
    // handle the event, and the retry must run it rather than find it done.
    @Test
    void forwardModeReleasesAnEventWhoseApplicationFailedAfterCommittingItsAnswer() throws Exception {
        AppServlet app = new AppServlet().throwingFirstAfterItsAnswer(new IllegalStateException("database down"));
        startForward(app);
        byte[] body = workflowCompleted("inst-forward-committed-failed");

        try {
            send(signedPost(uri(PATH), body));
        } catch (IOException cut) {
            // the container may cut the connection after the committed answer
        }
        HttpResponse<String> retry = send(signedPost(uri(PATH), body));

        assertThat(retry.statusCode()).isEqualTo(200);
        assertThat(retry.body()).isEqualTo("app handled " + PATH);
        assertThat(app.requests).hasSize(2);
    }

    @Test
    void forwardModeEndsAnAsynchronousAnswerWhenItCompletes() throws Exception {
        AppServlet app = new AppServlet().answering(500, 200).asynchronously();
        startForward(app);
        byte[] body = workflowCompleted("inst-forward-async");

        HttpResponse<String> failed = send(signedPost(uri(PATH), body));
        HttpResponse<String> retried = send(signedPost(uri(PATH), body));
        HttpResponse<String> copy = send(signedPost(uri(PATH), body));

        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(retried.statusCode()).isEqualTo(200);
        assertThat(retried.body()).isEqualTo("app handled " + PATH);
        assertThat(copy.body()).contains("\"status\":\"duplicate\"");
        assertThat(app.requests).hasSize(2);
    }

    @Test
    void forwardModeAnswersRejectionsItselfWithoutReachingTheApplication() throws Exception {
        AppServlet app = new AppServlet();
        startForward(app);
        byte[] body = workflowCompleted("inst-forward-forged");

        HttpResponse<String> forged = send(post(uri(PATH), body, "0".repeat(64)));
        HttpResponse<String> get = send(HttpRequest.newBuilder(uri(PATH)).GET().build());

        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(app.requests).isEmpty();
    }

    // ---- a body stream that breaks its contract ----

    // A filter before this one took the body through getReader(), so getInputStream() throws: the container answers
    // the exception, and the delivery gives back the bytes it reserved, or else the next would be refused 503 busy.
    @Test
    void aDeliveryWhoseBodyStreamIsRefusedGivesItsBytesBackToTheBudget() throws Exception {
        byte[] body = workflowCompleted("inst-reader-taken");
        Filter refold = RefoldWebhookFilter.builder(receiver().bodyBudget(body.length)
                .onAny((event, context) -> { }).build()).build();
        AtomicBoolean first = new AtomicBoolean(true);
        container = start((request, response, chain) -> {
            if (first.getAndSet(false)) {
                request.getReader();
            }
            refold.doFilter(request, response, chain);
        }, Map.of(), new AppServlet());

        HttpResponse<String> refused = send(signedPost(uri(PATH), body));
        HttpResponse<String> next = send(signedPost(uri(PATH), body));

        assertThat(refused.statusCode()).isEqualTo(500);
        assertThat(next.statusCode()).isEqualTo(200);
        assertThat(next.body()).contains("\"status\":\"processed\"");
    }

    // A read that throws an UncheckedIOException, wherever the filter reads: the body has arrived, it is read by a
    // read listener the container calls, after going asynchronous from a stream that takes no read listener, or on
    // this thread (no asynchronous support). Only the read listener has no thread to rethrow on: it answers 400.
    @ParameterizedTest
    @EnumSource(BrokenBodyRequest.Read.class)
    void aBodyStreamThatThrowsAnUncheckedExceptionGivesItsBytesBackToTheBudget(BrokenBodyRequest.Read read)
            throws Exception {
        byte[] body = workflowCompleted("inst-unchecked-" + read);
        Filter refold = RefoldWebhookFilter.builder(receiver().bodyBudget(body.length)
                .onAny((event, context) -> { }).build()).build();
        AtomicBoolean first = new AtomicBoolean(true);
        container = start((request, response, chain) -> refold.doFilter(first.getAndSet(false)
                ? new BrokenBodyRequest((HttpServletRequest) request, read) : request, response, chain),
                Map.of(), new AppServlet());

        HttpResponse<String> broken = send(signedPost(uri(PATH), body));
        HttpResponse<String> next = send(signedPost(uri(PATH), body));

        assertThat(broken.statusCode()).isEqualTo(read == BrokenBodyRequest.Read.LISTENER ? 400 : 500);
        assertThat(next.statusCode()).isEqualTo(200);
        assertThat(next.body()).contains("\"status\":\"processed\"");
    }

    // A failure while a delivery read asynchronously is processed (here a store that throws an Error, which core
    // does not answer) has no container thread to be rethrown on: the read listener answers it 500 itself, without
    // the exception, rather than leaving the request open (Jetty) or dropping the connection unanswered (Tomcat).
    @Test
    void aDeliveryWhoseProcessingThrowsAfterAnAsynchronousReadIsAnswered500() throws Exception {
        byte[] body = workflowCompleted("inst-processing-throws");
        AtomicInteger runs = new AtomicInteger();
        startEndpoint(receiver().idempotencyStore(new ClaimThrowsError()).bodyBudget(MAX_BODY + 1)
                .onAny((event, context) -> runs.incrementAndGet()), new AppServlet());
        // Chunked: read by a read listener on both containers.
        HttpRequest chunked = HttpRequest.newBuilder(uri(PATH))
                .timeout(java.time.Duration.ofSeconds(15))
                .header(SIGNATURE_HEADER, SIGNED.signature(body))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
                .build();

        HttpResponse<String> first = send(chunked);
        HttpResponse<String> second = send(chunked);

        for (HttpResponse<String> response : List.of(first, second)) {
            assertThat(response.statusCode()).isEqualTo(500);
            assertThat(response.body()).doesNotContain("store bug", "AssertionError");
        }
        assertThat(runs).hasValue(0);
    }

    /** A store whose claim throws an Error, as a broken driver or a failed assertion would. */
    static final class ClaimThrowsError implements ai.refold.webhooks.idempotency.IdempotencyStore {
        @Override
        public ai.refold.webhooks.idempotency.ClaimResult claim(String key, String owner,
                                                                 java.time.Duration lease) {
            throw new AssertionError("store bug");
        }

        @Override
        public boolean renew(String key, String owner, java.time.Duration lease) {
            return false;
        }

        @Override
        public boolean complete(String key, String owner, java.time.Duration retention) {
            return false;
        }

        @Override
        public boolean release(String key, String owner) {
            return false;
        }
    }

    // ---- support ----

    /** A request whose body stream throws an UncheckedIOException on every read. */
    static final class BrokenBodyRequest extends HttpServletRequestWrapper {

        /** Where the filter meets the broken read. */
        enum Read { ARRIVED, LISTENER, ASYNCHRONOUS, BLOCKING }

        private final Read read;

        BrokenBodyRequest(HttpServletRequest request, Read read) {
            super(request);
            this.read = read;
        }

        @Override
        public boolean isAsyncSupported() {
            return read != Read.BLOCKING && super.isAsyncSupported();
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            ServletInputStream container = super.getInputStream();
            return new ServletInputStream() {
                @Override
                public int read() {
                    throw new UncheckedIOException(new IOException("Connection reset"));
                }

                @Override
                public int available() {
                    return read == Read.ARRIVED ? Integer.MAX_VALUE : 0;
                }

                @Override
                public boolean isFinished() {
                    return read == Read.LISTENER && container.isFinished();
                }

                @Override
                public boolean isReady() {
                    return read != Read.LISTENER || container.isReady();
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    if (read != Read.LISTENER) {
                        throw new UnsupportedOperationException("a blocking stream");
                    }
                    container.setReadListener(listener);
                }
            };
        }
    }

    static WebhookReceiver.Builder receiver() {
        return WebhookReceiver.builder().signingKey("test", API_KEY).maxBodyBytes(MAX_BODY);
    }

    void startEndpoint(WebhookReceiver.Builder receiver, Servlet app) throws Exception {
        container = start(RefoldWebhookFilter.builder(receiver.build()).build(), Map.of(), app);
    }

    void startForward(Servlet app) throws Exception {
        container = start(RefoldWebhookFilter.builder(receiver().allowNoHandlers().build())
                .mode(RefoldWebhookFilter.Mode.FORWARD)
                .build(), Map.of(), app);
    }

    URI uri(String path) {
        return container.uri(path);
    }

    static HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** What the application servlet saw of one request. */
    record AppRequest(String path, byte[] body, String text, long contentLength, Object event, Object context) {
    }

    /** The application behind the filter: records each request, then answers as told. */
    static final class AppServlet extends HttpServlet {
        final List<AppRequest> requests = new CopyOnWriteArrayList<>();
        private final ConcurrentLinkedQueue<Integer> statuses = new ConcurrentLinkedQueue<>();
        private boolean readText;
        private boolean throwFirst;
        private Exception throwFirstAfterAnswer;
        private boolean async;

        AppServlet answering(Integer... statuses) {
            this.statuses.addAll(List.of(statuses));
            return this;
        }

        AppServlet readingText() {
            this.readText = true;
            return this;
        }

        AppServlet asynchronously() {
            this.async = true;
            return this;
        }

        AppServlet throwingFirst() {
            this.throwFirst = true;
            return this;
        }

        AppServlet throwingFirstAfterItsAnswer(Exception failure) {
            this.throwFirstAfterAnswer = failure;
            return this;
        }

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response)
                throws ServletException, IOException {
            String path = Optional.ofNullable(request.getPathInfo()).orElse("");
            byte[] body;
            String text = null;
            if (readText) {
                StringBuilder read = new StringBuilder();
                char[] buffer = new char[7];
                for (int n; (n = request.getReader().read(buffer)) > 0; ) {
                    read.append(buffer, 0, n);
                }
                text = read.toString();
                body = text.getBytes(StandardCharsets.UTF_8);
            } else {
                body = request.getInputStream().readAllBytes();
            }
            requests.add(new AppRequest(path, body, text, request.getContentLengthLong(),
                    request.getAttribute(RefoldWebhookFilter.EVENT_ATTRIBUTE),
                    request.getAttribute(RefoldWebhookFilter.CONTEXT_ATTRIBUTE)));
            if (throwFirst && requests.size() == 1) {
                throw new ServletException("application broke");
            }
            Integer status = statuses.poll();
            if (!async) {
                answer(response, status, path);
                if (throwFirstAfterAnswer != null && requests.size() == 1) {
                    response.flushBuffer();
                    if (throwFirstAfterAnswer instanceof IOException io) {
                        throw io;
                    }
                    throw (RuntimeException) throwFirstAfterAnswer;
                }
                return;
            }
            AsyncContext asyncContext = request.startAsync();
            asyncContext.start(() -> {
                try {
                    answer((HttpServletResponse) asyncContext.getResponse(), status, path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } finally {
                    asyncContext.complete();
                }
            });
        }

        private static void answer(HttpServletResponse response, Integer status, String path) throws IOException {
            response.setStatus(status == null ? 200 : status);
            if (status == null || status != 204) {
                response.setContentType("text/plain");
                response.getWriter().write("app handled " + path);
            }
        }
    }
}
