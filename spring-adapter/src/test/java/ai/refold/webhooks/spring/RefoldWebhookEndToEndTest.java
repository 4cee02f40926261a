package ai.refold.webhooks.spring;

import ai.refold.webhooks.event.ConnectionCreated;
import ai.refold.webhooks.event.ConnectionDeleted;
import ai.refold.webhooks.event.ConnectionExpired;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.UnknownEvent;
import ai.refold.webhooks.event.WorkflowCompleted;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.spring.autoconfigure.RefoldWebhookMetrics;
import ai.refold.webhooks.test.SamplePayloads;

import io.micrometer.core.instrument.MeterRegistry;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;

import static org.assertj.core.api.Assertions.assertThat;

/** The HTTP contract end to end, on real Tomcat, through the auto-configured starter and Spring Security. */
@SpringBootTest(classes = TestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "refold.webhooks.keys.test=" + TestApplication.API_KEY,
            "refold.webhooks.keys.live=spring-live-api-key",
            "refold.webhooks.max-body-size=4KB"
        })
class RefoldWebhookEndToEndTest {

    @Value("${local.server.port}")
    int port;

    @Autowired
    TestHandlers handlers;

    @Autowired
    MeterRegistry meters;

    Http http;

    @BeforeEach
    void setUp() {
        http = new Http(port);
        handlers.calls.clear();
    }

    private static byte[] workflow(EventType type, String instanceId) {
        String sample = new String(SamplePayloads.of(type), StandardCharsets.UTF_8);
        String original = type == EventType.WORKFLOW_ERRORED ? "656f308b9144bb8f183bfc7b" : "656f30f69144bb8f183c0118";
        return sample.replace(original, instanceId).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void eachDocumentedSampleReachesTheHandlerMethodsForItsType() {
        for (EventType type : EventType.values()) {
            HttpResponse<String> response = http.deliver(
                    workflowOrSample(type), TestApplication.API_KEY);
            assertThat(response.statusCode()).as(type.wireName()).isEqualTo(200);
            assertThat(response.body()).contains("\"status\":\"processed\"");
        }

        assertThat(handlers.calls("onCreated")).singleElement()
                .satisfies(call -> assertThat(call.event()).isInstanceOf(ConnectionCreated.class));
        assertThat(handlers.calls("onDeleted")).singleElement().satisfies(call -> {
            assertThat(call.event()).isInstanceOf(ConnectionDeleted.class);
            assertThat(call.context().keyLabel()).isEqualTo("test");
            assertThat(call.context().idempotencyKey()).startsWith("connection-deleted:test:12345:hubspot:");
        });
        assertThat(handlers.calls("onExpired")).singleElement()
                .satisfies(call -> assertThat(((ConnectionExpired) call.event()).slug()).isEqualTo("pipedrive"));
        assertThat(handlers.calls("onCompleted")).singleElement()
                .satisfies(call -> assertThat(call.event()).isInstanceOf(WorkflowCompleted.class));
        assertThat(handlers.calls("onErrored")).singleElement()
                .satisfies(call -> assertThat(call.event()).isInstanceOf(WorkflowErrored.class));
        assertThat(handlers.calls("onAnyConnection")).hasSize(3);
        assertThat(handlers.calls("onlyExpired")).singleElement()
                .satisfies(call -> assertThat(call.event()).isInstanceOf(ConnectionExpired.class));
        assertThat(handlers.calls("exportWorkflowOnly")).hasSize(1);
        assertThat(handlers.calls("anotherWorkflowOnly")).isEmpty();
        assertThat(handlers.calls("onEverything")).hasSize(5);
        assertThat(handlers.calls("onUnknown")).isEmpty();
    }

    private static byte[] workflowOrSample(EventType type) {
        // Fresh instance ids keep this test independent of others that share the application context.
        return switch (type) {
            case WORKFLOW_COMPLETED -> workflow(type, "e2e000000000000000000001");
            case WORKFLOW_ERRORED -> workflow(type, "e2e000000000000000000002");
            default -> SamplePayloads.of(type);
        };
    }

    @Test
    void anUnknownEventIsAcknowledgedAndReachesUnknownAndCatchAllMethods() {
        byte[] body = "{\"event\":\"Invoice Paid\",\"invoice\":\"in_1\"}".getBytes(StandardCharsets.UTF_8);

        assertThat(http.deliver(body, TestApplication.API_KEY).statusCode()).isEqualTo(200);

        assertThat(handlers.calls("onUnknown")).singleElement()
                .satisfies(call -> assertThat(((UnknownEvent) call.event()).eventName()).contains("Invoice Paid"));
        assertThat(handlers.calls("onEverything")).hasSize(1);
    }

    @Test
    void aDeliverySignedWithTheLiveKeyIsAcceptedAndLabelledLive() {
        byte[] body = workflow(EventType.WORKFLOW_ERRORED, "e2e000000000000000000003");

        assertThat(http.deliver(body, "spring-live-api-key").statusCode()).isEqualTo(200);

        assertThat(handlers.calls("onErrored")).singleElement()
                .satisfies(call -> assertThat(call.context().keyLabel()).isEqualTo("live"));
    }

    @Test
    void aForgedDeliveryIsRejectedWith401AndNoHandlerRuns() {
        byte[] body = workflow(EventType.WORKFLOW_ERRORED, "e2e000000000000000000004");

        HttpResponse<String> response = http.deliver(body, "not-the-key");

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.body()).contains("signature_mismatch");
        assertThat(handlers.calls).isEmpty();
    }

    @Test
    void aDuplicateIsAcknowledgedWithoutRunningHandlersAgain() {
        byte[] body = workflow(EventType.WORKFLOW_ERRORED, "e2e000000000000000000005");

        assertThat(http.deliver(body, TestApplication.API_KEY).statusCode()).isEqualTo(200);
        HttpResponse<String> again = http.deliver(body, TestApplication.API_KEY);

        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body()).contains("\"status\":\"duplicate\"");
        assertThat(handlers.calls("onErrored")).hasSize(1);
    }

    @Test
    void concurrentCopiesOfOneEventRunTheHandlerOnce() throws Exception {
        byte[] body = workflow(EventType.WORKFLOW_COMPLETED, TestHandlers.SLOW_INSTANCE);
        handlers.gate = new CountDownLatch(1);
        int copies = 16;
        CyclicBarrier start = new CyclicBarrier(copies);
        List<CompletableFuture<Integer>> statuses = new ArrayList<>();
        for (int i = 0; i < copies; i++) {
            statuses.add(CompletableFuture.supplyAsync(() -> {
                try {
                    start.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                return http.deliver(body, TestApplication.API_KEY).statusCode();
            }));
        }
        // Every copy but the one being processed is answered while the handler is held.
        List<Integer> answered = new ArrayList<>();
        while (answered.size() < copies - 1) {
            answered.clear();
            statuses.stream().filter(CompletableFuture::isDone).forEach(f -> answered.add(f.join()));
            Thread.onSpinWait();
        }
        handlers.gate.countDown();
        List<Integer> all = statuses.stream().map(CompletableFuture::join).toList();

        assertThat(all).containsOnly(200, 409).contains(200);
        assertThat(handlers.calls("onCompleted")).hasSize(1);
    }

    @Test
    void aFailingHandlerAnswers500AndTheRetryIsProcessed() {
        byte[] body = workflow(EventType.WORKFLOW_ERRORED, TestHandlers.FAIL_ONCE_INSTANCE);

        HttpResponse<String> first = http.deliver(body, TestApplication.API_KEY);
        HttpResponse<String> retry = http.deliver(body, TestApplication.API_KEY);

        assertThat(first.statusCode()).isEqualTo(500);
        assertThat(first.body()).contains("handler_failed").doesNotContain("downstream system unavailable");
        assertThat(retry.statusCode()).isEqualTo(200);
        assertThat(handlers.calls("onErrored")).hasSize(1);
    }

    @Test
    void aBodyOverTheConfiguredLimitIsAnswered413() {
        byte[] body = ("{\"event\":\"Workflow Errored\",\"instance_id\":\"x\",\"padding\":\"" + "x".repeat(5000)
                + "\"}").getBytes(StandardCharsets.UTF_8);

        HttpResponse<String> response = http.deliver(body, TestApplication.API_KEY);

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(handlers.calls).isEmpty();
    }

    @Test
    void aGetIsAnswered405WithAllow() {
        HttpResponse<String> response = http.send("GET", "/webhooks/refold", null, null);

        assertThat(response.statusCode()).isEqualTo(405);
        assertThat(response.headers().firstValue("Allow")).contains("POST, PUT, PATCH");
    }

    @Test
    void otherPathsStayBehindSpringSecurity() {
        assertThat(http.send("GET", "/anything-else", null, null).statusCode()).isIn(401, 403);
    }

    @Test
    void deliveriesAreCountedByEventAndOutcome() {
        byte[] body = workflow(EventType.WORKFLOW_ERRORED, "e2e000000000000000000006");
        double before = count("Workflow Errored", "processed");

        http.deliver(body, TestApplication.API_KEY);
        http.deliver(body, TestApplication.API_KEY);

        assertThat(count("Workflow Errored", "processed")).isEqualTo(before + 1);
        assertThat(count("Workflow Errored", "duplicate")).isPositive();
        assertThat(meters.find(RefoldWebhookMetrics.HANDLER_DURATION).tag("handler", "TestHandlers.onErrored")
                .timer()).isNotNull();
    }

    private double count(String event, String outcome) {
        var counter = meters.find(RefoldWebhookMetrics.DELIVERIES).tag("event", event).tag("outcome", outcome)
                .counter();
        return counter == null ? 0 : counter.count();
    }
}
