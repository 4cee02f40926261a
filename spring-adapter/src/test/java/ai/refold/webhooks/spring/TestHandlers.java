package ai.refold.webhooks.spring;

import ai.refold.webhooks.DeliveryContext;
import ai.refold.webhooks.event.ConnectionCreated;
import ai.refold.webhooks.event.ConnectionDeleted;
import ai.refold.webhooks.event.ConnectionEvent;
import ai.refold.webhooks.event.ConnectionExpired;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.UnknownEvent;
import ai.refold.webhooks.event.WebhookEvent;
import ai.refold.webhooks.event.WorkflowCompleted;
import ai.refold.webhooks.event.WorkflowErrored;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Handler methods of every shape the starter supports; records what each received. */
public class TestHandlers {

    /** One call: which method ran and with what. */
    public record Call(String method, WebhookEvent event, DeliveryContext context) {
    }

    /** Instance ids whose first delivery fails, to exercise 500 then retry. */
    public static final String FAIL_ONCE_INSTANCE = "fa11fa11fa11fa11fa11fa11";
    /** Instance id whose handler waits on {@link #gate}, to exercise concurrent duplicates. */
    public static final String SLOW_INSTANCE = "5105105105105105105105a1";

    public final List<Call> calls = new CopyOnWriteArrayList<>();
    private final Set<String> failedOnce = ConcurrentHashMap.newKeySet();
    public volatile CountDownLatch gate = new CountDownLatch(0);

    public List<Call> calls(String method) {
        return calls.stream().filter(call -> call.method().equals(method)).toList();
    }

    @RefoldWebhook
    void onCreated(ConnectionCreated event) {
        calls.add(new Call("onCreated", event, null));
    }

    @RefoldWebhook
    void onDeleted(ConnectionDeleted event, DeliveryContext context) {
        calls.add(new Call("onDeleted", event, context));
    }

    @RefoldWebhook
    void onExpired(ConnectionExpired event, DeliveryContext context) {
        calls.add(new Call("onExpired", event, context));
    }

    @RefoldWebhook
    void onCompleted(WorkflowCompleted event, DeliveryContext context) throws InterruptedException {
        calls.add(new Call("onCompleted", event, context));
        if (event.instanceId().equals(SLOW_INSTANCE)) {
            gate.await(10, TimeUnit.SECONDS);
        }
    }

    @RefoldWebhook
    void onErrored(WorkflowErrored event, DeliveryContext context) {
        if (event.instanceId().equals(FAIL_ONCE_INSTANCE) && failedOnce.add(event.instanceId())) {
            throw new IllegalStateException("downstream system unavailable");
        }
        calls.add(new Call("onErrored", event, context));
    }

    @RefoldWebhook
    void onAnyConnection(ConnectionEvent event) {
        calls.add(new Call("onAnyConnection", event, null));
    }

    @RefoldWebhook(types = EventType.CONNECTION_EXPIRED)
    void onlyExpired(ConnectionEvent event) {
        calls.add(new Call("onlyExpired", event, null));
    }

    @RefoldWebhook(workflowIds = "6495792b9b6ca6d77a17e513")
    void exportWorkflowOnly(WorkflowErrored event) {
        calls.add(new Call("exportWorkflowOnly", event, null));
    }

    @RefoldWebhook(workflowIds = "another-workflow")
    void anotherWorkflowOnly(WorkflowErrored event) {
        calls.add(new Call("anotherWorkflowOnly", event, null));
    }

    @RefoldWebhook
    void onUnknown(UnknownEvent event) {
        calls.add(new Call("onUnknown", event, null));
    }

    @RefoldWebhook
    void onEverything(WebhookEvent event) {
        calls.add(new Call("onEverything", event, null));
    }
}
