package ai.refold.webhooks.spring.autoconfigure;

/** Thrown at startup when no Refold API key is configured; explained by {@link MissingRefoldApiKeyFailureAnalyzer}. */
public class MissingRefoldApiKeyException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    public MissingRefoldApiKeyException(String message) {
        super(message);
    }
}
