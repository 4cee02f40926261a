package ai.refold.webhooks;

/**
 * Base of the few exceptions this SDK throws. Messages are safe to log: they never contain a key, a signature or
 * a whole body.
 */
public class WebhookException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    protected WebhookException(String message) {
        super(message);
    }

    protected WebhookException(String message, Throwable cause) {
        super(message, cause);
    }
}
