package ai.refold.webhooks.event;

import java.util.Objects;
import java.util.Optional;

/**
 * A connection's authentication expired or the connection no longer exists; the usual reaction is to ask the
 * account to reconnect.
 *
 * @param linkedAccountId the linked account (the user's customer) the connection belongs to
 * @param slug            the app's slug, for example {@code "hubspot"}
 * @param orgId           the Refold organisation, if sent
 * @param environment     {@code "test"} or {@code "live"}, if sent
 * @param type            the connection type as sent, for example {@code "General"}
 * @param createdAt       the {@code createdAt} value exactly as sent
 * @param payload         the raw body the event was parsed from
 */
public record ConnectionExpired(
        String linkedAccountId,
        String slug,
        Optional<String> orgId,
        Optional<String> environment,
        Optional<String> type,
        Optional<String> createdAt,
        RawPayload payload) implements ConnectionEvent {

    /**
     * Creates the event; the parser creates one for each verified delivery of this type, and tests may create
     * their own.
     *
     * @param linkedAccountId the linked account (the user's customer) the connection belongs to
     * @param slug            the app's slug, for example {@code "hubspot"}
     * @param orgId           the Refold organisation, if sent
     * @param environment     {@code "test"} or {@code "live"}, if sent
     * @param type            the connection type as sent, for example {@code "General"}
     * @param createdAt       the {@code createdAt} value exactly as sent
     * @param payload         the raw body the event was parsed from
     * @throws NullPointerException if an argument is null
     */
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
