package ai.refold.webhooks.idempotency;

import ai.refold.webhooks.WebhookException;

/**
 * Thrown by an {@link IdempotencyStore} that cannot answer, for example because its database is down. The receiver
 * answers such a delivery with 503 and runs no handler, so Refold retries it later.
 */
public class StoreUnavailableException extends WebhookException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message that is safe to log.
     *
     * @param message why the store cannot answer, without keys or bodies
     */
    public StoreUnavailableException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a message that is safe to log and the failure that caused it.
     *
     * @param message why the store cannot answer, without keys or bodies
     * @param cause   the underlying failure, for example the driver's {@code SQLException}
     */
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
