package ai.refold.webhooks;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.WebhookEvent;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counts verified events that no handler takes, per event type, and says so at most once an hour per type. Such an
 * event is acknowledged (Refold would otherwise retry it in vain), so the warning is the only sign that a handler is
 * missing, for example one outside Spring's component scan. Event types are derived from {@link EventType} plus one
 * slot for every unknown event, so the counts stay bounded whatever names senders use.
 */
final class IgnoredEvents {

    static final long INTERVAL_MILLIS = 3_600_000;

    private static final EventType[] TYPES = EventType.values();
    private static final int UNKNOWN = TYPES.length;

    private final Clock clock;
    private final AtomicLongArray counts = new AtomicLongArray(TYPES.length + 1);
    private final AtomicLong[] nextReport = new AtomicLong[TYPES.length + 1];
    private final long[] since = new long[TYPES.length + 1];

    IgnoredEvents(Clock clock) {
        this.clock = clock;
        long now = clock.millis();
        for (int kind = 0; kind <= UNKNOWN; kind++) {
            nextReport[kind] = new AtomicLong(Long.MIN_VALUE);
            since[kind] = now;
        }
    }

    /** Counts one ignored event and returns the warning to log now, or null if its type was reported this hour. */
    String count(WebhookEvent event) {
        Optional<EventType> type = event.eventType();
        int kind = type.isPresent() ? type.get().ordinal() : UNKNOWN;
        counts.incrementAndGet(kind);
        long now = clock.millis();
        long due = nextReport[kind].get();
        if (now < due || !nextReport[kind].compareAndSet(due, now + INTERVAL_MILLIS)) {
            return null;
        }
        long count = counts.getAndSet(kind, 0);
        Instant from;
        synchronized (since) {
            from = Instant.ofEpochMilli(since[kind]);
            since[kind] = now;
        }
        String name = kind == UNKNOWN ? "unknown" : TYPES[kind].wireName();
        return "refold acknowledged " + count + " " + name + (count == 1 ? " event" : " events") + " since " + from
                + " that no handler takes; register a handler for them (or unsubscribe from them): this warning"
                + " repeats at most once an hour per event type";
    }
}
