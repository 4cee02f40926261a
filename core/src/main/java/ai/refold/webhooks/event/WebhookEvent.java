package ai.refold.webhooks.event;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Optional;

/**
 * A verified Refold delivery, parsed. The hierarchy is sealed: every event is a {@link ConnectionEvent}, a
 * {@link WorkflowEvent} or an {@link UnknownEvent}, so a pattern {@code switch} over it is exhaustive.
 */
public sealed interface WebhookEvent permits ConnectionEvent, WorkflowEvent, UnknownEvent {

    /** {@return the documented type of this event, or empty for an {@link UnknownEvent}} */
    Optional<EventType> eventType();

    /** {@return the value of the payload's {@code event} field as sent, if it had one} */
    Optional<String> eventName();

    /** {@return the raw body this event was parsed from; every field, known or not, is reachable through it} */
    RawPayload payload();

    /**
     * {@return the whole payload as a fresh JSON tree, so that fields this SDK does not model stay reachable}
     * Each call parses the raw body again; the tree belongs to the caller.
     */
    default JsonNode json() {
        return payload().json();
    }
}
