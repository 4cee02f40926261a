package ai.refold.webhooks.spring.autoconfigure;

import java.util.Optional;

/**
 * Thrown at startup when no Refold API key is configured, or a configured one is unusable (empty, blank, with white
 * space, an unresolved {@code ${...}} placeholder); explained by {@link MissingRefoldApiKeyFailureAnalyzer}. The
 * message names the property, never its value.
 */
public class MissingRefoldApiKeyException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final String property;

    /** Reports that no key is configured at all. */
    public MissingRefoldApiKeyException(String message) {
        this(null, message);
    }

    /** Reports that the key of {@code property} cannot be used, for the reason in {@code message}. */
    public MissingRefoldApiKeyException(String property, String message) {
        super(message);
        this.property = property;
    }

    /** Returns the property holding the unusable key, or empty when no key is configured at all. */
    public Optional<String> property() {
        return Optional.ofNullable(property);
    }
}
