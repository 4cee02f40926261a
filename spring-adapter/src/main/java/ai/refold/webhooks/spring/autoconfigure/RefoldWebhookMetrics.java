package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.DeliveryListener;
import ai.refold.webhooks.DeliveryResult;
import ai.refold.webhooks.spring.RefoldWebhookMethodProcessor;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Micrometer meters: {@value #DELIVERIES}, a counter tagged with {@code event} and {@code outcome}, and
 * {@value #HANDLER_DURATION}, a timer of each {@code @RefoldWebhook} method tagged with {@code event},
 * {@code handler} and {@code outcome} ({@code success} or {@code failure}).
 */
public class RefoldWebhookMetrics implements DeliveryListener, RefoldWebhookMethodProcessor.InvocationObserver {

    /** Counter of deliveries. */
    public static final String DELIVERIES = "refold.webhooks.deliveries";

    /** Timer of handler methods. */
    public static final String HANDLER_DURATION = "refold.webhooks.handler.duration";

    private final MeterRegistry registry;

    RefoldWebhookMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void onDelivery(DeliveryResult result, Duration elapsed) {
        Counter.builder(DELIVERIES)
                .description("Refold webhook deliveries received, by event and outcome")
                .tag("event", result.event().map(e -> e.eventName().orElse("unknown")).orElse("none"))
                .tag("outcome", result.outcome().code())
                .register(registry)
                .increment();
    }

    @Override
    public void invoked(String method, String event, long nanos, Throwable failure) {
        Timer.builder(HANDLER_DURATION)
                .description("Time spent in @RefoldWebhook handler methods")
                .tag("event", event)
                .tag("handler", method)
                .tag("outcome", failure == null ? "success" : "failure")
                .register(registry)
                .record(nanos, TimeUnit.NANOSECONDS);
    }
}
