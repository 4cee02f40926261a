package ai.refold.webhooks.signature;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

import javax.crypto.spec.SecretKeySpec;

/**
 * A Refold API key under a label of the user's choosing (for example {@code "test"}, {@code "live"} or
 * {@code "live-previous"} during a rotation). The label is reported when the key verifies a delivery; the secret is
 * never shown: {@link #toString()} masks it, and keys have no value equality that could leak it by comparison.
 */
public final class SigningKey {

    private final String label;
    private final SecretKeySpec secret;

    private SigningKey(String label, SecretKeySpec secret) {
        this.label = label;
        this.secret = secret;
    }

    /**
     * Creates a key whose HMAC secret is the UTF-8 encoding of {@code apiKey}, as Refold signs.
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code label} is blank or {@code apiKey} is empty
     */
    public static SigningKey of(String label, String apiKey) {
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(apiKey, "apiKey");
        if (label.isBlank()) {
            throw new IllegalArgumentException("key label must not be blank");
        }
        if (apiKey.isEmpty()) {
            throw new IllegalArgumentException("API key for label '" + label + "' must not be empty");
        }
        return new SigningKey(label, new SecretKeySpec(apiKey.getBytes(StandardCharsets.UTF_8), Hmac.ALGORITHM));
    }

    /** Returns the label given at creation. */
    public String label() {
        return label;
    }

    SecretKeySpec secret() {
        return secret;
    }

    @Override
    public String toString() {
        return "SigningKey[label=" + label + ", secret=****]";
    }
}
