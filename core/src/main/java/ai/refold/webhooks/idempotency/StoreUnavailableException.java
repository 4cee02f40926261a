package ai.refold.webhooks.idempotency;

import ai.refold.webhooks.WebhookException;

/**
 * Thrown by an {@link IdempotencyStore} that cannot answer, for example because its database is down. The receiver
 * answers such a delivery with 503 and runs no handler, so Refold retries it later.
 */
public class StoreUnavailableException extends WebhookException {

    private static final long serialVersionUID = 1L;

    public StoreUnavailableException(String message) {
        super(message);
    }

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
