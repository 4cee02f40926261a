package ai.refold.webhooks.event;

import java.util.Objects;
import java.util.Optional;

/** A linked account connected an app. */
public record ConnectionCreated(
        String linkedAccountId,
        String slug,
        Optional<String> orgId,
        Optional<String> environment,
        Optional<String> type,
        Optional<String> createdAt,
        RawPayload payload) implements ConnectionEvent {

    public ConnectionCreated {
        Objects.requireNonNull(linkedAccountId, "linkedAccountId");
        Objects.requireNonNull(slug, "slug");
        Objects.requireNonNull(orgId, "orgId");
        Objects.requireNonNull(environment, "environment");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(payload, "payload");
    }

    @Override
    public Optional<EventType> eventType() {
        return EventType.CONNECTION_CREATED.optional();
    }

    @Override
    public Optional<String> eventName() {
        return EventType.CONNECTION_CREATED.optionalWireName();
    }
}
