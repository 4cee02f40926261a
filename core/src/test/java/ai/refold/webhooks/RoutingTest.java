package ai.refold.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.refold.webhooks.event.ConnectionEvent;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.Samples;
import ai.refold.webhooks.event.UnknownEvent;
import ai.refold.webhooks.event.WebhookEvent;
import ai.refold.webhooks.event.WorkflowCompleted;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.event.WorkflowEvent;
import ai.refold.webhooks.signature.WebhookSigner;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** One route table for every adapter: by class, by event type and by workflow id, derived from EventType. */
class RoutingTest {

    private static final String API_KEY = "routing-test-api-key";
    private static final String EXPORT = "6495792b9b6ca6d77a17e513";

    private final List<String> calls = new ArrayList<>();

    private WebhookReceiver.Builder builder() {
        return WebhookReceiver.builder().signingKey("test", API_KEY);
    }

    private static DeliveryRequest signed(byte[] body) {
        return DeliveryRequest.of("POST", Headers.of("x-cobalt-signature", WebhookSigner.of(API_KEY).sign(body)),
                body);
    }

    private static byte[] workflow(String event, String instanceId, String workflowId) {
        String json = "{\"event\":\"" + event + "\",\"instance_id\":\"" + instanceId + "\""
                + (workflowId == null ? "" : ",\"workflow_id\":\"" + workflowId + "\"") + "}";
        return json.getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @EnumSource(EventType.class)
    void everyEventTypeHasARouteToItsClassItsFamilyAndTheCatchAll(EventType type) {
        Class<? extends WebhookEvent> family = type.isConnectionEvent() ? ConnectionEvent.class : WorkflowEvent.class;
        WebhookReceiver receiver = builder()
                .on(type.eventClass(), (event, context) -> calls.add("class"))
                .on(family, (event, context) -> calls.add("family"))
                .on(UnknownEvent.class, (event, context) -> calls.add("unknown"))
                .onAny((event, context) -> calls.add("any"))
                .build();

        DeliveryResult result = receiver.receive(signed(Samples.of(type)));

        assertThat(result.outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(calls).containsExactly("class", "family", "any");
    }

    @Test
    void plainJavaHandlersNarrowByWorkflowId() {
        WebhookReceiver receiver = builder()
                .on(EventFilter.of(WorkflowEvent.class).withWorkflowIds(EXPORT),
                        (event, context) -> calls.add("export " + event.instanceId()))
                .on(WorkflowEvent.class, (event, context) -> calls.add("any workflow " + event.instanceId()))
                .build();

        receiver.receive(signed(workflow("Workflow Errored", "run-1", EXPORT)));
        receiver.receive(signed(workflow("Workflow Completed", "run-2", "another-workflow")));
        receiver.receive(signed(workflow("Workflow Completed", "run-3", null)));

        assertThat(calls).containsExactly("export run-1", "any workflow run-1", "any workflow run-2",
                "any workflow run-3");
    }

    @Test
    void handlersNarrowByEventTypeWithinAFamily() {
        WebhookReceiver receiver = builder()
                .on(EventFilter.of(WorkflowEvent.class).withTypes(EventType.WORKFLOW_ERRORED),
                        (event, context) -> calls.add("errored " + event.instanceId()))
                .build();

        receiver.receive(signed(workflow("Workflow Errored", "run-1", EXPORT)));
        receiver.receive(signed(workflow("Workflow Completed", "run-2", EXPORT)));

        assertThat(calls).containsExactly("errored run-1");
    }

    @Test
    void aFilterRefusesTypesAndWorkflowIdsItsClassCanNeverReceive() {
        assertThatThrownBy(() -> EventFilter.of(WorkflowErrored.class).withTypes(EventType.WORKFLOW_COMPLETED))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("event type 'Workflow Completed' is never a WorkflowErrored");
        assertThatThrownBy(() -> EventFilter.of(ConnectionEvent.class).withWorkflowIds(EXPORT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("workflow ids narrow workflow events, but a ConnectionEvent is never one");
        assertThatThrownBy(() -> EventFilter.of(WorkflowEvent.class).withWorkflowIds(" "))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(EventFilter.of(WebhookEvent.class).withWorkflowIds(EXPORT).workflowIds()).containsExactly(EXPORT);
    }

    @Test
    void aFilterOnTheCatchAllWithWorkflowIdsTakesOnlyThoseWorkflowsEvents() {
        EventFilter<WebhookEvent> filter = EventFilter.of(WebhookEvent.class).withWorkflowIds(EXPORT);
        WebhookReceiver receiver = builder().on(filter, (event, context) -> calls.add("export")).build();

        receiver.receive(signed(workflow("Workflow Completed", "run-1", EXPORT)));
        receiver.receive(signed(Samples.of(EventType.CONNECTION_CREATED)));
        receiver.receive(signed("{\"custom\":true}".getBytes(StandardCharsets.UTF_8)));

        assertThat(calls).containsExactly("export");
    }

    @Test
    void handlersAreNamedInRegistrationOrderOrAsGivenAndNamesAreUnique() {
        List<String> ran = new ArrayList<>();
        DeliveryListener listener = new DeliveryListener() {
            @Override
            public void onDelivery(DeliveryResult result, Duration elapsed) {
            }

            @Override
            public void onHandler(String handler, WebhookEvent event, Duration elapsed, Throwable failure) {
                ran.add(handler + (failure == null ? " ok" : " failed"));
            }
        };
        WebhookReceiver receiver = builder()
                .listener(listener)
                .on(WorkflowErrored.class, (event, context) -> { })
                .on("alerts", EventFilter.of(WorkflowErrored.class), (event, context) -> { })
                .on(WorkflowEvent.class, (event, context) -> {
                    throw new IllegalStateException("downstream is down");
                })
                .build();

        receiver.receive(signed(Samples.of(EventType.WORKFLOW_ERRORED)));

        assertThat(ran).containsExactly("#1 ok", "alerts ok", "#3 failed");
        assertThatThrownBy(() -> builder().on("alerts", EventFilter.of(WorkflowErrored.class), (e, c) -> { })
                .on("alerts", EventFilter.of(WorkflowCompleted.class), (e, c) -> { }))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a handler named 'alerts' was already registered");
        assertThatThrownBy(() -> builder().on("#7", EventFilter.of(WorkflowErrored.class), (e, c) -> { }))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theReadmeRoutingSnippetRoutesByClassWorkflowAndType() {
        String apiKey = API_KEY;
        List<String> alerts = new ArrayList<>();
        List<String> exports = new ArrayList<>();
        List<String> reconnects = new ArrayList<>();

        WebhookReceiver receiver = WebhookReceiver.builder()
                .signingKey("live", apiKey)
                .on(WorkflowErrored.class, (event, context) -> alerts.add(event.instanceId()))
                .on(EventFilter.of(WorkflowEvent.class).withWorkflowIds("6495792b9b6ca6d77a17e513"),
                        (event, context) -> exports.add(event.instanceId()))
                .on("reconnect-prompts", EventFilter.of(ConnectionEvent.class).withTypes(EventType.CONNECTION_EXPIRED),
                        (event, context) -> reconnects.add(event.linkedAccountId()))
                .build();

        for (EventType type : EventType.values()) {
            receiver.receive(signed(Samples.of(type)));
        }
        assertThat(alerts).containsExactly("656f308b9144bb8f183bfc7b");
        assertThat(exports).containsExactly("656f30f69144bb8f183c0118", "656f308b9144bb8f183bfc7b");
        assertThat(reconnects).containsExactly("12345");
    }
}
