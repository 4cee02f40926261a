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
 *       <td>{@code workflow-<completed|errored>:<environment>:<instance_id>}</td></tr>
 *   <tr><td>Connection Created / Deleted / Expired</td>
 *       <td>{@code connection-<created|deleted|expired>:<environment>:<linked_account_id>:<slug>:<createdAt>}</td></tr>
 *   <tr><td>a connection event without {@code createdAt} (or a blank one), a workflow event with a blank
 *       {@code instance_id}, or any other event</td>
 *       <td>{@code sha256:<hex SHA-256 of the raw body>}</td></tr>
 * </table>
 * A missing environment is written {@code -} (one sent as {@code -} is written {@code %2D}). In each part but the
 * last, {@code %} is written {@code %25} and {@code :} is written {@code %3A}, so that parts cannot run into each
 * other ({@code org:1} and {@code x} never make the same key as {@code org} and {@code 1:x}). A key longer than
 * {@value #MAX_LENGTH} characters is replaced by {@value #HASHED_KEY_PREFIX} and the SHA-256 of its UTF-16
 * characters. The event type is part of every natural key, so Connection Created, Deleted and Created again for one
 * account are three events; {@code createdAt} (one-second resolution, as Refold sends it) tells two creations apart.
 *
 * <p>A key starting with {@value #CONTENT_KEY_PREFIX} is a fingerprint of the body, not an identity: two equal
 * bodies may be two events (a custom template without a unique field, an expiry repeated a week later). The
 * receiver keeps such keys only for its {@code contentKeyRetention}, long enough for Refold's retries of one
 * delivery, so template authors should include a unique field such as {@code {{event.instance_id}}}.
 *
 * <p>Any non-empty key is accepted. The JDBC store keeps a key its table cannot hold byte for byte (longer than
 * {@value #MAX_LENGTH} characters, or holding a NUL or an unpaired surrogate) as {@value #HASHED_KEY_PREFIX} and the
 * SHA-256 of its UTF-16 characters, which keeps distinct keys distinct instead of mangling them.
 */
@FunctionalInterface
public interface IdempotencyKeyExtractor {

    /** Longest key the standard extractor returns and the JDBC store keeps as it is; longer ones are hashed. */
    int MAX_LENGTH = 200;

    /** The prefix of keys that fingerprint a body rather than name an event. */
    String CONTENT_KEY_PREFIX = "sha256:";

    /** The prefix of keys hashed because they were too long, or because a store could not hold them as they were. */
    String HASHED_KEY_PREFIX = "key-sha256:";

    /**
     * {@return the idempotency key of {@code event}: not empty}
     *
     * @param event the parsed event of a verified delivery
     */
    String keyFor(WebhookEvent event);

    /** {@return the extractor described above} */
    static IdempotencyKeyExtractor standard() {
        return StandardIdempotencyKeys.INSTANCE;
    }
}
