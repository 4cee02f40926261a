package ai.refold.webhooks.spring.reactive;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.test.SamplePayloads;
import ai.refold.webhooks.test.TestDeliveries;
import ai.refold.webhooks.test.hardening.RawHttp;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.core.Ordered;
import org.springframework.web.server.WebFilter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The HTTP contract end to end in a WebFlux application on Reactor Netty, through the auto-configured starter and
 * Spring Security's defaults: the same statuses and bodies as the servlet filter, blocking and reactive handlers,
 * and nothing blocking on an event loop.
 */
@SpringBootTest(classes = ReactiveApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "refold.webhooks.keys.test=" + ReactiveApplication.API_KEY,
            "refold.webhooks.max-body-size=4KB"
        })
class WebFluxEndToEndTest {

    @Value("${local.server.port}")
    int port;

    @Autowired
    ReactiveHandlers handlers;

    @Autowired
    ApplicationContext context;

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void forget() {
        handlers.runs.clear();
    }

    @Test
    void eachDocumentedSampleIsProcessedByTheHandlersOfItsType() {
        for (EventType type : EventType.values()) {
            HttpResponse<String> response = deliver(sample(type));

            assertThat(response.statusCode()).as(type.wireName()).isEqualTo(200);
            assertThat(response.body()).as(type.wireName()).startsWith("{\"status\":\"processed\"");
            assertThat(response.headers().firstValue("content-type")).hasValue("application/json;charset=UTF-8");
        }

        assertThat(handlers.threadsByMethod()).containsOnlyKeys("onCreated", "onDeleted", "onExpired",
                "onCompleted", "onErrored", "onErroredThen");
    }

    @Test
    void noHandlerAndNoReactiveHandlersSubscriptionEverRunsOnANettyEventLoop() {
        for (EventType type : EventType.values()) {
            assertThat(deliver(workflow(type, "e2e0000000000000000000a" + type.ordinal())).statusCode())
                    .isEqualTo(200);
        }
        assertThat(deliver("{\"event\":\"Invoice Paid\"}".getBytes(StandardCharsets.UTF_8)).statusCode())
                .isEqualTo(200);

        // Requests do arrive on the event loop: the assertion below could fail.
        assertThat(ReactiveApplication.REQUESTS_ON_NON_BLOCKING_THREAD).isNotEmpty().contains(true);
        assertThat(handlers.runs).hasSizeGreaterThanOrEqualTo(7)
                .allSatisfy(run -> assertThat(run.nonBlockingThread()).as(run.method()).isFalse());
        assertThat(handlers.threadsByMethod()).containsKeys("onErrored", "onErroredThen", "onExpired", "onUnknown");
    }

    @Test
    void aDuplicateIsAcknowledgedAsADuplicateWithoutRunningTheHandlersAgain() {
        byte[] body = workflow(EventType.WORKFLOW_COMPLETED, "e2e000000000000000000d01");

        assertThat(deliver(body).body()).startsWith("{\"status\":\"processed\"");
        HttpResponse<String> copy = deliver(body);

        assertThat(copy.statusCode()).isEqualTo(200);
        assertThat(copy.body()).startsWith("{\"status\":\"duplicate\"");
        assertThat(handlers.runs("onCompleted")).hasSize(1);
    }

    @Test
    void aCopyArrivingWhileTheFirstIsHandledIsAnswered409WithRetryAfter() throws Exception {
        byte[] body = workflow(EventType.WORKFLOW_COMPLETED, ReactiveHandlers.SLOW);
        handlers.gate = new CountDownLatch(1);
        CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> deliver(body));
        assertThat(handlers.slowStarted.await(20, TimeUnit.SECONDS)).isTrue();

        HttpResponse<String> copy = deliver(body);
        handlers.gate.countDown();

        assertThat(copy.statusCode()).isEqualTo(409);
        assertThat(copy.body()).startsWith("{\"status\":\"in_progress\"");
        assertThat(copy.headers().firstValue("retry-after")).isPresent();
        assertThat(first.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }

    @Test
    void aForgedSignatureIsRefused401AndNoHandlerRuns() {
        byte[] body = workflow(EventType.WORKFLOW_COMPLETED, "e2e000000000000000000f01");

        HttpResponse<String> response = send("/webhooks/refold", body,
                TestDeliveries.withKey(ReactiveApplication.API_KEY).withWrongSignature().signature(body));

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.body()).isEqualTo("{\"status\":\"signature_mismatch\",\"reason\":\"signature does not"
                + " match\"}");
        assertThat(handlers.runs).isEmpty();
    }

    @Test
    void aBodyOfUnknownLengthIsAnswered413AsSoonAsItPassesTheLimitAndADeclaredOneBeforeItIsSent() throws Exception {
        byte[] large = new byte[8 * 1024];
        Arrays.fill(large, (byte) ' ');
        String signature = TestDeliveries.withKey(ReactiveApplication.API_KEY).signature(large);
        URI endpoint = URI.create("http://127.0.0.1:" + port + "/webhooks/refold");
        byte[] chunked = (Integer.toHexString(large.length) + "\r\n" + new String(large, StandardCharsets.US_ASCII)
                + "\r\n").getBytes(StandardCharsets.US_ASCII);

        // The body's last chunk is never sent: only an answer given while reading can arrive.
        RawHttp.Response streamed = RawHttp.sendUnfinished(endpoint, head("Transfer-Encoding: chunked", signature),
                chunked);
        RawHttp.Response declared = RawHttp.sendExpectingContinue(endpoint, head("Content-Length: " + large.length,
                signature), large);

        assertThat(streamed.status()).isEqualTo(413);
        assertThat(streamed.body()).startsWith("{\"status\":\"payload_too_large\"");
        assertThat(declared.status()).isEqualTo(413);
        assertThat(declared.continued()).as("a 100 Continue invited the upload of a body refused unread").isFalse();
        assertThat(handlers.runs).isEmpty();
    }

    @Test
    void aHandlerThatThrowsIsAnswered500AndItsEventReleasedSoThatTheRedeliveryIsHandled() {
        byte[] body = workflow(EventType.WORKFLOW_COMPLETED, ReactiveHandlers.THROWS_ONCE);

        HttpResponse<String> failed = deliver(body);
        HttpResponse<String> redelivered = deliver(body);

        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(failed.body()).startsWith("{\"status\":\"handler_failed\"").doesNotContain("Exception");
        assertThat(redelivered.statusCode()).isEqualTo(200);
        assertThat(redelivered.body()).startsWith("{\"status\":\"processed\"");
        assertThat(handlers.runs("onCompleted")).hasSize(2);
    }

    @Test
    void aMonoHandlerThatSucceedsIsProcessedAndTheHandlersAfterItRunOnceItCompleted() {
        HttpResponse<String> response = deliver(workflow(EventType.WORKFLOW_ERRORED, "e2e000000000000000000m01"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(handlers.runs).extracting(ReactiveHandlers.Run::method)
                .containsExactly("onErrored", "onErroredThen");
        assertThat(handlers.runs.get(0).event()).isInstanceOf(WorkflowErrored.class);
    }

    @Test
    void aMonoThatFailsIsAnswered500AndItsEventReleasedSoThatTheRedeliveryIsHandled() {
        byte[] body = workflow(EventType.WORKFLOW_ERRORED, ReactiveHandlers.MONO_FAILS_ONCE);

        HttpResponse<String> failed = deliver(body);
        List<String> afterFailure = handlers.runs.stream().map(ReactiveHandlers.Run::method).toList();
        HttpResponse<String> redelivered = deliver(body);

        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(failed.body()).startsWith("{\"status\":\"handler_failed\"");
        assertThat(afterFailure).as("the handler after the failed Mono").containsExactly("onErrored");
        assertThat(redelivered.statusCode()).isEqualTo(200);
        assertThat(handlers.runs("onErrored")).hasSize(2);
        assertThat(handlers.runs("onErroredThen")).hasSize(1);
    }

    @Test
    void everyOtherPathStaysBehindSpringSecurityAndTheReceivingFilterRunsBeforeIt() {
        HttpResponse<String> other = send("/actuator/anything", "{}".getBytes(StandardCharsets.UTF_8), null);

        assertThat(other.statusCode()).isIn(401, 403);
        WebFilter refold = context.getBean("refoldWebhookWebFilter", WebFilter.class);
        assertThat(((Ordered) refold).getOrder()).isLessThan(-100);
    }

    private HttpResponse<String> deliver(byte[] body) {
        return send("/webhooks/refold", body, TestDeliveries.withKey(ReactiveApplication.API_KEY).signature(body));
    }

    private HttpResponse<String> send(String path, byte[] body, String signature) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (signature != null) {
            request.header("x-cobalt-signature", signature);
        }
        try {
            return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String head(String framing, String signature) {
        return "POST /webhooks/refold HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: "
                + "application/json\r\nx-cobalt-signature: " + signature + "\r\n" + framing;
    }

    private static byte[] sample(EventType type) {
        return SamplePayloads.of(type);
    }

    // A workflow sample under a fresh instance id, so that tests sharing the application do not see each other's
    // events as duplicates; a connection sample as documented.
    static byte[] workflow(EventType type, String instanceId) {
        if (type.isConnectionEvent()) {
            String sample = new String(SamplePayloads.of(type), StandardCharsets.UTF_8);
            return sample.replace("12345", instanceId).getBytes(StandardCharsets.UTF_8);
        }
        String sample = new String(SamplePayloads.of(type), StandardCharsets.UTF_8);
        String original = type == EventType.WORKFLOW_ERRORED ? "656f308b9144bb8f183bfc7b" : "656f30f69144bb8f183c0118";
        return sample.replace(original, instanceId).getBytes(StandardCharsets.UTF_8);
    }
}
