package ai.refold.webhooks.event;

import java.util.Objects;
import java.util.Optional;

/**
 * A verified delivery that is not one of the documented events: an event name this SDK does not know yet, a body
 * with no {@code event} field, or a custom-template body. It is acknowledged like any other event and reaches the
 * handlers registered for {@code UnknownEvent} and for all events; read it through {@link #json()}.
 *
 * @param eventName the {@code event} field as sent, if it was a string
 * @param payload   the raw body
 */
public record UnknownEvent(Optional<String> eventName, RawPayload payload) implements WebhookEvent {

    /**
     * Creates the event; the parser creates one for each verified delivery it does not model, and tests may create
     * their own.
     *
     * @param eventName the {@code event} field as sent, if it was a string
     * @param payload   the raw body
     * @throws NullPointerException if an argument is null
     */
    public UnknownEvent {
        Objects.requireNonNull(eventName, "eventName");
        Objects.requireNonNull(payload, "payload");
    }

    @Override
    public Optional<EventType> eventType() {
        return Optional.empty();
    }
}
