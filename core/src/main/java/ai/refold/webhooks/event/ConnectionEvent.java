package ai.refold.webhooks.event;

import java.time.Instant;
import java.util.Optional;

/** An event about a linked account's connection to an app: created, deleted or expired. */
public sealed interface ConnectionEvent extends WebhookEvent
        permits ConnectionCreated, ConnectionDeleted, ConnectionExpired {

    /** {@return the linked account (the user's customer) the connection belongs to} */
    String linkedAccountId();

    /** {@return the app's slug, for example {@code "hubspot"}} */
    String slug();

    /** {@return the Refold organisation, if sent} */
    Optional<String> orgId();

    /** {@return {@code "test"} or {@code "live"}, if sent} */
    Optional<String> environment();

    /** {@return the connection type as sent, for example {@code "General"}} */
    Optional<String> type();

    /** {@return the {@code createdAt} value exactly as sent, for example {@code "Tue, 07 Nov 2023 08:03:27 GMT"}} */
    Optional<String> createdAt();

    /**
     * {@return {@link #createdAt()} as an instant, if it was sent in the RFC 1123 form Refold uses (or ISO 8601)}
     */
    default Optional<Instant> createdAtInstant() {
        return createdAt().flatMap(Timestamps::parse);
    }
}
