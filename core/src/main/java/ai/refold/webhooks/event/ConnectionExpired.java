package ai.refold.webhooks.event;

import java.util.Objects;
import java.util.Optional;

/** A connection's authentication expired or the connection no longer exists; the usual reaction is to ask the account to reconnect. */
public record ConnectionExpired(
        String linkedAccountId,
        String slug,
        Optional<String> orgId,
        Optional<String> environment,
        Optional<String> type,
        Optional<String> createdAt,
        RawPayload payload) implements ConnectionEvent {

    public ConnectionExpired {
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
        return EventType.CONNECTION_EXPIRED.optional();
    }

    @Override
    public Optional<String> eventName() {
        return EventType.CONNECTION_EXPIRED.optionalWireName();
    }
}
