package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.DeliveryListener;
import ai.refold.webhooks.DeliveryResult;
import ai.refold.webhooks.Outcome;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.WebhookEvent;
import ai.refold.webhooks.idempotency.InboxState;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

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

    // The event tag's values: the documented names in EventType's order, then "unknown" and "none".
    private static final int EVENT_TAGS = EventType.values().length + 2;
    private static final int UNKNOWN = EVENT_TAGS - 2;
    private static final int NONE = EVENT_TAGS - 1;
    private static final int OUTCOMES = Outcome.values().length;

    private final MeterRegistry registry;

    // Meters are registered on first use and kept, as Micrometer advises: registering looks the meter up by name and
    // tags, which costs more than the increment. Every tag is bounded, so are these tables; a race registers a meter
    // twice and the registry answers the same one both times.
    private final AtomicReferenceArray<Counter> deliveries = new AtomicReferenceArray<>(EVENT_TAGS * OUTCOMES);
    private final Map<String, AtomicReferenceArray<Timer>> handlers = new ConcurrentHashMap<>();
    private volatile Counter attemptSuccesses;
    private volatile Counter attemptFailures;
    private volatile Counter deadLetters;

    RefoldWebhookMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void onDelivery(DeliveryResult result, Duration elapsed) {
        int event = result.event().isPresent() ? eventSlot(result.event().get()) : NONE;
        Outcome outcome = result.outcome();
        int slot = event * OUTCOMES + outcome.ordinal();
        Counter counter = deliveries.get(slot);
        if (counter == null) {
            counter = Counter.builder(DELIVERIES)
                    .description("Refold webhook delivery outcomes, by event and outcome")
                    .tag("event", eventTag(event))
                    .tag("outcome", outcome.code())
                    .register(registry);
            deliveries.set(slot, counter);
        }
        counter.increment();
    }

    @Override
    public void onHandler(String handler, WebhookEvent event, Duration elapsed, Throwable failure) {
        AtomicReferenceArray<Timer> timers = handlers.get(handler);
        if (timers == null) {
            timers = handlers.computeIfAbsent(handler, name -> new AtomicReferenceArray<>(EVENT_TAGS * 2));
        }
        int type = eventSlot(event);
        int slot = type * 2 + (failure == null ? 0 : 1);
        Timer timer = timers.get(slot);
        if (timer == null) {
            timer = Timer.builder(HANDLER_DURATION)
                    .description("Time spent in Refold webhook handlers")
                    .tag("event", eventTag(type))
                    .tag("handler", handler)
                    .tag("outcome", failure == null ? "success" : "failure")
                    .register(registry);
            timers.set(slot, timer);
        }
        timer.record(elapsed);
    }

    @Override
    public void onInboxAttempt(String key, int attempt, InboxState outcome, Duration elapsed) {
        if (outcome == InboxState.DONE) {
            Counter successes = attemptSuccesses;
            if (successes == null) {
                attemptSuccesses = successes = inboxAttempts(registry, "success");
            }
            successes.increment();
            return;
        }
        Counter failures = attemptFailures;
        if (failures == null) {
            attemptFailures = failures = inboxAttempts(registry, "failure");
        }
        failures.increment();
        if (outcome == InboxState.DEAD) {
            Counter dead = deadLetters;
            if (dead == null) {
                deadLetters = dead = inboxDeadLetters(registry);
            }
            dead.increment();
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
    private static int eventSlot(WebhookEvent event) {
        Optional<EventType> type = event.eventType();
        return type.isPresent() ? type.get().ordinal() : UNKNOWN;
    }

    private static String eventTag(int slot) {
        return slot == NONE ? "none" : slot == UNKNOWN ? "unknown" : EventType.values()[slot].wireName();
    }
}
