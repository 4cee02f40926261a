package ai.refold.webhooks.spring.autoconfigure;

/**
 * Thrown at startup when the Refold webhook receiver has no handler: no {@code @RefoldWebhook} method was found on
 * any bean and no customizer registered one. Explained by {@link NoRefoldWebhookHandlerFailureAnalyzer}.
 */
public class NoRefoldWebhookHandlerException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message why the receiver was refused, as the receiver's builder said it
     * @param cause   the receiver builder's refusal
     */
    public NoRefoldWebhookHandlerException(String message, Throwable cause) {
        super(message, cause);
    }
}
