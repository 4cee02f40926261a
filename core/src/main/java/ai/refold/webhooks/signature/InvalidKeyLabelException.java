package ai.refold.webhooks.signature;

/**
 * A key's label was refused: blank, longer than {@link SigningKey#MAX_LABEL_LENGTH} characters or holding a control
 * character. It is an {@link IllegalArgumentException}, as every refusal of {@link SigningKey} is (and so not a
 * {@code WebhookException}), so that code catching that still catches it; its own type lets a caller tell a refused
 * label, which is a name and never a secret, from a refused API key without reading the message. The message names
 * the rule, not the label.
 */
public final class InvalidKeyLabelException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    InvalidKeyLabelException(String message) {
        super(message);
    }
}
