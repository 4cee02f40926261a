package ai.refold.webhooks.signature;

import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of checking a delivery's signature: a status and, when valid, the label of the key that matched.
 *
 * @param status   what the check found
 * @param keyLabel the label of the matching key; present exactly when the status is {@link Status#VALID}
 */
public record VerificationResult(Status status, Optional<String> keyLabel) {

    /** What a signature check found. */
    public enum Status {
        /** The signature matches one of the configured keys. */
        VALID,
        /** No signature header was sent, or it was empty. */
        MISSING,
        /** The header is not a hex HMAC-SHA256 digest in the expected form (length, characters, prefix). */
        MALFORMED,
        /** The header is well formed but matches none of the configured keys. */
        MISMATCH,
        /** The signature header was sent more than once with different values. */
        AMBIGUOUS
    }

    static final VerificationResult MISSING = new VerificationResult(Status.MISSING, Optional.empty());
    static final VerificationResult MALFORMED = new VerificationResult(Status.MALFORMED, Optional.empty());
    static final VerificationResult MISMATCH = new VerificationResult(Status.MISMATCH, Optional.empty());
    static final VerificationResult AMBIGUOUS = new VerificationResult(Status.AMBIGUOUS, Optional.empty());

    /**
     * Creates a result.
     *
     * @param status   what the check found
     * @param keyLabel the label of the matching key; present exactly when the status is {@link Status#VALID}
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if a label is given with a failed status or missing with a valid one
     */
    public VerificationResult {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(keyLabel, "keyLabel");
        if ((status == Status.VALID) != keyLabel.isPresent()) {
            throw new IllegalArgumentException("a key label goes with a VALID status and only with it");
        }
    }

    /** {@return whether the signature matched a configured key} */
    public boolean isValid() {
        return status == Status.VALID;
    }
}
