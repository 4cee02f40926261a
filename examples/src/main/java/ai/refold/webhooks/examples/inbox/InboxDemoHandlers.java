package ai.refold.webhooks.examples.inbox;

import ai.refold.webhooks.DeliveryContext;
import ai.refold.webhooks.event.ConnectionExpired;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.examples.ExampleActions;
import ai.refold.webhooks.spring.RefoldWebhook;

import org.springframework.stereotype.Component;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Handlers whose downstream systems misbehave, as real ones do: the on-call pager times out twice before it answers,
 * and the mailer rejects every reconnect e-mail until a fix is deployed. Each call is noted on the timeline.
 */
@Component
class InboxDemoHandlers {

    private final InboxTimeline timeline;
    private final AtomicInteger pagerCalls = new AtomicInteger();
    private final AtomicBoolean mailerFixed = new AtomicBoolean();

    InboxDemoHandlers(InboxTimeline timeline) {
        this.timeline = timeline;
    }

    @RefoldWebhook
    void onErrored(WorkflowErrored event, DeliveryContext context) {
        int call = pagerCalls.incrementAndGet();
        if (call <= 2) {
            fail(context, "pager timed out (call " + call + ")");
        }
        timeline.handled(context.idempotencyKey(), ExampleActions.onErrored(event));
    }

    @RefoldWebhook
    void onExpired(ConnectionExpired event, DeliveryContext context) {
        if (!mailerFixed.get()) {
            fail(context, "mailer rejected the reconnect e-mail: template 'reconnect' is missing");
        }
        timeline.handled(context.idempotencyKey(), ExampleActions.onExpired(event));
    }

    /** Deploys the mailer's fix: the reconnect template exists from now on. */
    void fixMailer() {
        mailerFixed.set(true);
    }

    private void fail(DeliveryContext context, String reason) {
        timeline.failed(context.idempotencyKey(), reason);
        throw new IllegalStateException(reason);
    }
}
