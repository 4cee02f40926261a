package ai.refold.webhooks;

/**
 * Base of the few exceptions this SDK throws. Messages are safe to log: they never contain a key, a signature or
 * a whole body.
 */
public class WebhookException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message that is safe to log.
     *
     * @param message what went wrong, without keys, signatures or whole bodies
     */
    protected WebhookException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a message that is safe to log and the failure that caused it.
     *
     * @param message what went wrong, without keys, signatures or whole bodies
     * @param cause   the underlying failure, for example a driver's or a parser's exception
     */
    protected WebhookException(String message, Throwable cause) {
        super(message, cause);
    }
}
