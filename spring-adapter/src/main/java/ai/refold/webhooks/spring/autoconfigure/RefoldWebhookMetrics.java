package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.DeliveryListener;
import ai.refold.webhooks.DeliveryResult;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.WebhookEvent;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;

/**
 * Micrometer meters: {@value #DELIVERIES}, a counter tagged with {@code event} and {@code outcome}, and
 * {@value #HANDLER_DURATION}, a timer of each handler tagged with {@code event}, {@code handler} and
 * {@code outcome} ({@code success} or {@code failure}). Every tag takes a bounded set of values: {@code event} is
 * one of the five documented names, {@code unknown} or {@code none}, never text from a body.
 */
public class RefoldWebhookMetrics implements DeliveryListener {

    /** Counter of deliveries. */
    public static final String DELIVERIES = "refold.webhooks.deliveries";

    /** Timer of handlers. */
    public static final String HANDLER_DURATION = "refold.webhooks.handler.duration";

    private final MeterRegistry registry;

    RefoldWebhookMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void onDelivery(DeliveryResult result, Duration elapsed) {
        Counter.builder(DELIVERIES)
                .description("Refold webhook deliveries received, by event and outcome")
                .tag("event", result.event().map(RefoldWebhookMetrics::eventTag).orElse("none"))
                .tag("outcome", result.outcome().code())
                .register(registry)
                .increment();
    }

    @Override
    public void onHandler(String handler, WebhookEvent event, Duration elapsed, Throwable failure) {
        Timer.builder(HANDLER_DURATION)
                .description("Time spent in Refold webhook handlers")
                .tag("event", eventTag(event))
                .tag("handler", handler)
                .tag("outcome", failure == null ? "success" : "failure")
                .register(registry)
                .record(elapsed);
    }

    // The documented name of the event's type; an event name sent by anyone else would make tags unbounded.
    static String eventTag(WebhookEvent event) {
        return event.eventType().map(EventType::wireName).orElse("unknown");
    }
}
