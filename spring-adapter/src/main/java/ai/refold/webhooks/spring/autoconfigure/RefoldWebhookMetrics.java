package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.DeliveryListener;
import ai.refold.webhooks.DeliveryResult;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.WebhookEvent;
import ai.refold.webhooks.idempotency.InboxState;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;

/**
 * Micrometer meters: {@value #DELIVERIES}, a counter tagged with {@code event} and {@code outcome} (in
 * acknowledge-fast mode a delivery counts twice: {@code accepted}, then what became of it), and
 * {@value #HANDLER_DURATION}, a timer of each handler tagged with {@code event}, {@code handler} and
 * {@code outcome} ({@code success} or {@code failure}). In inbox mode also {@value #INBOX_ATTEMPTS}, the workers'
 * attempts tagged {@code outcome} ({@code success} or {@code failure}), and {@value #INBOX_DEAD_LETTERS}, the
 * deliveries that became dead; the inbox's gauges and replays are registered beside them. Every tag takes a bounded
 * set of values: {@code event} is one of the five documented names, {@code unknown} or {@code none}, never text
 * from a body.
 */
public class RefoldWebhookMetrics implements DeliveryListener {

    /** Counter of deliveries. */
    public static final String DELIVERIES = "refold.webhooks.deliveries";

    /** Timer of handlers. */
    public static final String HANDLER_DURATION = "refold.webhooks.handler.duration";

    /** Gauge of the inbox's deliveries, tagged {@code state}. */
    public static final String INBOX_ENTRIES = "refold.webhooks.inbox.entries";

    /** Gauge of how long, in seconds, the oldest due inbox delivery has waited for a worker. */
    public static final String INBOX_OLDEST_DUE_AGE = "refold.webhooks.inbox.oldest.due.age";

    /** Counter of inbox workers' attempts, tagged {@code outcome}. */
    public static final String INBOX_ATTEMPTS = "refold.webhooks.inbox.attempts";

    /** Counter of inbox deliveries that failed their last attempt and became dead letters. */
    public static final String INBOX_DEAD_LETTERS = "refold.webhooks.inbox.dead.letters";

    /** Counter of dead letters replayed through the refoldinbox endpoint. */
    public static final String INBOX_REPLAYS = "refold.webhooks.inbox.replays";

    private final MeterRegistry registry;

    RefoldWebhookMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void onDelivery(DeliveryResult result, Duration elapsed) {
        Counter.builder(DELIVERIES)
                .description("Refold webhook delivery outcomes, by event and outcome")
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

    @Override
    public void onInboxAttempt(String key, int attempt, InboxState outcome, Duration elapsed) {
        inboxAttempts(registry, outcome == InboxState.DONE ? "success" : "failure").increment();
        if (outcome == InboxState.DEAD) {
            inboxDeadLetters(registry).increment();
        }
    }

    static Counter inboxAttempts(MeterRegistry registry, String outcome) {
        return Counter.builder(INBOX_ATTEMPTS)
                .description("Attempts of the Refold webhook inbox's workers at stored deliveries, by outcome")
                .tag("outcome", outcome)
                .register(registry);
    }

    static Counter inboxDeadLetters(MeterRegistry registry) {
        return Counter.builder(INBOX_DEAD_LETTERS)
                .description("Refold webhook deliveries that failed their last attempt and became dead letters")
                .register(registry);
    }

    // The documented name of the event's type; an event name sent by anyone else would make tags unbounded.
    static String eventTag(WebhookEvent event) {
        return event.eventType().map(EventType::wireName).orElse("unknown");
    }
}
