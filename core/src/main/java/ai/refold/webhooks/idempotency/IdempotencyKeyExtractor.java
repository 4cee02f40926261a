package ai.refold.webhooks.idempotency;

import ai.refold.webhooks.event.WebhookEvent;

/**
 * Maps an event to the key its deliveries are deduplicated on: every delivery of one event (a retry, a duplicate)
 * must map to the same key, and different events to different keys.
 *
 * <p>The {@linkplain #standard() standard} extractor follows Refold's advice:
 * <table>
 *   <caption>Standard idempotency keys</caption>
 *   <tr><th>event</th><th>key</th></tr>
 *   <tr><td>Workflow Completed / Errored</td>
 *       <td>{@code workflow-errored:<environment>:<instance_id>}</td></tr>
 *   <tr><td>Connection Created / Deleted / Expired</td>
 *       <td>{@code connection-created:<environment>:<linked_account_id>:<slug>:<createdAt>}</td></tr>
 *   <tr><td>a connection event without {@code createdAt}, or any other event</td>
 *       <td>{@code sha256:<hex SHA-256 of the raw body>}</td></tr>
 * </table>
 * A missing environment is written {@code -}. The event type is part of every natural key, so Connection Created,
 * Deleted and Created again for one account are three events; {@code createdAt} tells two creations apart. A key
 * longer than {@value #MAX_LENGTH} characters is replaced by {@code sha256:} and its own SHA-256, so that every
 * key fits the stores' columns.
 */
@FunctionalInterface
public interface IdempotencyKeyExtractor {

    /** Longest key the standard extractor returns, and the longest the stores must accept. */
    int MAX_LENGTH = 200;

    /**
     * Returns the idempotency key of {@code event}: non-empty, at most {@value #MAX_LENGTH} characters.
     */
    String keyFor(WebhookEvent event);

    /** Returns the extractor described above. */
    static IdempotencyKeyExtractor standard() {
        return StandardIdempotencyKeys.INSTANCE;
    }
}
