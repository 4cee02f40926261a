package ai.refold.webhooks.spring.autoconfigure;

import java.util.Optional;

/**
 * Thrown at startup when no Refold API key is configured, or a configured one is unusable (empty, blank, with white
 * space, an unresolved {@code ${...}} placeholder); explained by {@link MissingRefoldApiKeyFailureAnalyzer}. The
 * message names the property, never its value.
 */
public class MissingRefoldApiKeyException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /** The property holding the unusable key, or null when no key is configured at all. */
    private final String property;

    /**
     * Reports that no key is configured at all.
     *
     * @param message what is missing and how to configure a key, without any key's value
     */
    public MissingRefoldApiKeyException(String message) {
        this(null, message);
    }

    /**
     * Reports that the key of {@code property} cannot be used, for the reason in {@code message}.
     *
     * @param property the property holding the unusable key, for example {@code refold.webhooks.keys.live}
     * @param message  why the key cannot be used, naming the property and never the key
     */
    public MissingRefoldApiKeyException(String property, String message) {
        super(message);
        this.property = property;
    }

    /** {@return the property holding the unusable key, or empty when no key is configured at all} */
    public Optional<String> property() {
        return Optional.ofNullable(property);
    }
}
