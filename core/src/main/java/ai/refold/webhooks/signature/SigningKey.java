package ai.refold.webhooks.signature;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

import javax.crypto.spec.SecretKeySpec;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Refold API key under a label of the user's choosing (for example {@code "test"}, {@code "live"} or
 * {@code "live-previous"} during a rotation). The label is reported when the key verifies a delivery; the secret is
 * never shown: {@link #toString()} masks it, and keys have no value equality that could leak it by comparison.
 */
public final class SigningKey {

    /** Keys shorter than this many characters are accepted with a warning: Refold's API keys are longer. */
    public static final int RECOMMENDED_MINIMUM_LENGTH = 16;

    /** The longest label a key may have: what the inbox table's column holds. */
    public static final int MAX_LABEL_LENGTH = 200;

    private static final Logger LOG = LoggerFactory.getLogger(SigningKey.class);

    private final String label;
    private final SecretKeySpec secret;

    private SigningKey(String label, SecretKeySpec secret) {
        this.label = label;
        this.secret = secret;
    }

    /**
     * Creates a key whose HMAC secret is the UTF-8 encoding of {@code apiKey}, as Refold signs. The key must pass
     * {@link #requireValidApiKey}; one shorter than {@value #RECOMMENDED_MINIMUM_LENGTH} characters is accepted
     * with a warning naming the label.
     *
     * @param label  names the key in results and logs, for example {@code "live"}
     * @param apiKey the Refold API key
     * @return the key
     * @throws NullPointerException     if an argument is null
     * @throws InvalidKeyLabelException if {@code label} is blank, longer than {@value #MAX_LABEL_LENGTH} characters or
     *                                  holds a control character (an {@code IllegalArgumentException})
     * @throws IllegalArgumentException if {@code apiKey} breaks the key policy
     */
    public static SigningKey of(String label, String apiKey) {
        Objects.requireNonNull(label, "label");
        return of(label, apiKey, "API key for label '" + label + "'");
    }

    /**
     * Creates a key as {@link #of(String, String)} does, for a key read from configuration: refusals and the
     * warning for a short key name {@code setting} (for example {@code "refold.webhooks.keys.live"} or an
     * environment variable), never the key.
     *
     * @param label   names the key in results and logs, for example {@code "live"}
     * @param apiKey  the Refold API key
     * @param setting where the key came from, named in refusals and warnings instead of the key
     * @return the key
     * @throws NullPointerException     if an argument is null
     * @throws InvalidKeyLabelException if {@code label} is blank, longer than {@value #MAX_LABEL_LENGTH} characters or
     *                                  holds a control character (an {@code IllegalArgumentException})
     * @throws IllegalArgumentException if {@code apiKey} breaks the key policy
     */
    public static SigningKey of(String label, String apiKey, String setting) {
        SigningKey key = create(label, apiKey, setting);
        if (apiKey.length() < RECOMMENDED_MINIMUM_LENGTH) {
            // Refold's keys are far longer: a short one is a test value, or a key cut short when it was copied.
            LOG.warn("{} is shorter than {} characters: check that it is a whole Refold API key", setting,
                    RECOMMENDED_MINIMUM_LENGTH);
        }
        return key;
    }

    // The key without the warning, for a signer: playing Refold with a short test key is no mistake.
    static SigningKey create(String label, String apiKey, String setting) {
        Objects.requireNonNull(label, "label");
        if (label.isBlank()) {
            throw new InvalidKeyLabelException("key label must not be blank");
        }
        // The inbox stores each delivery with its label: one its table could not hold (PostgreSQL refuses a NUL)
        // would have every delivery the key verifies answered 503.
        if (label.length() > MAX_LABEL_LENGTH) {
            throw new InvalidKeyLabelException("key label must be at most " + MAX_LABEL_LENGTH
                    + " characters but had " + label.length());
        }
        if (label.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidKeyLabelException("key label must not hold a control character");
        }
        requireValidApiKey(apiKey, setting);
        return new SigningKey(label, new SecretKeySpec(apiKey.getBytes(StandardCharsets.UTF_8), Hmac.ALGORITHM));
    }

    /**
     * Applies the one policy every entry point (builders, {@code web.xml}, Spring properties, the API client) has
     * for a Refold API key: at least one character, no white space or control character (a copy-and-paste slip
     * such as a trailing newline would silently make every signature mismatch), not wrapped in quotes (kept as
     * part of the value by {@code .properties} and env files), and not an unresolved {@code ${...}} placeholder (a
     * configuration whose variable is unset would otherwise sign with the placeholder's text). The message names
     * {@code setting} and never shows the value.
     *
     * @param apiKey  the key to check
     * @param setting where the key came from, for the message, for example {@code "refold.webhooks.keys.live"}
     * @return {@code apiKey}
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if the key breaks the policy
     */
    public static String requireValidApiKey(String apiKey, String setting) {
        Objects.requireNonNull(setting, "setting");
        Objects.requireNonNull(apiKey, setting);
        String problem = apiKeyProblem(apiKey);
        if (problem != null) {
            throw new IllegalArgumentException(setting + " " + problem);
        }
        return apiKey;
    }

    // The policy's verdict in words, or null for a valid key. Never quotes the key.
    private static String apiKeyProblem(String apiKey) {
        if (apiKey.isEmpty()) {
            return "is empty";
        }
        if (apiKey.contains("${")) {
            return "is an unresolved ${...} placeholder: set the variable it names";
        }
        // A .properties file, Docker's --env-file and kubectl's --from-env-file keep quotes as part of the value.
        char first = apiKey.charAt(0);
        if (apiKey.length() > 1 && (first == '"' || first == '\'') && apiKey.charAt(apiKey.length() - 1) == first) {
            return "is wrapped in quotes, which are read as part of the key: remove them";
        }
        for (int i = 0; i < apiKey.length(); i++) {
            char c = apiKey.charAt(i);
            if (Character.isWhitespace(c) || Character.isSpaceChar(c)) {
                return apiKey.isBlank() ? "is blank" : "contains white space (a pasted newline or space?)";
            }
            if (Character.isISOControl(c)) {
                return "contains a control character";
            }
            // A byte order mark from a file saved by an editor, a zero-width space pasted from a web page: invisible,
            // so the key looks right and every delivery would fail its signature.
            if (Character.getType(c) == Character.FORMAT) {
                return "contains an invisible formatting character (a byte order mark or zero-width space?)";
            }
        }
        return null;
    }

    /** {@return the label given at creation} */
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
