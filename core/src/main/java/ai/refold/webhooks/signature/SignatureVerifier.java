package ai.refold.webhooks.signature;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import javax.crypto.Mac;

/**
 * Checks that a delivery was signed by Refold: the signature header must hold the hex HMAC-SHA256 of the exact
 * body bytes under one of the configured keys.
 *
 * <pre>{@code
 * SignatureVerifier verifier = SignatureVerifier.builder()
 *         .key("live", System.getenv("REFOLD_LIVE_API_KEY"))
 *         .key("test", System.getenv("REFOLD_TEST_API_KEY"))
 *         .build();
 * VerificationResult result = verifier.verify(request.getHeader("x-cobalt-signature"), body);
 * }</pre>
 *
 * <p>The header may be in upper or lower case hex and surrounded by white space. Digests are compared as decoded
 * bytes in constant time; keys are tried in the order they were added and the first match is reported by label.
 * Every outcome, including a missing or malformed header, is a {@link VerificationResult}, never an exception.
 *
 * <p>Instances are immutable and thread-safe. A few initialised {@link Mac}s per key are kept in a small pool
 * shared by all threads, so a check allocates almost nothing, never calls {@code Mac.getInstance}, and no state
 * outlives the verifier (virtual threads and redeployed web applications are safe).
 */
public final class SignatureVerifier {

    // Value of each ASCII hex digit, -1 for every other character.
    private static final byte[] HEX_VALUES = new byte[128];

    static {
        java.util.Arrays.fill(HEX_VALUES, (byte) -1);
        for (int i = 0; i < 10; i++) {
            HEX_VALUES['0' + i] = (byte) i;
        }
        for (int i = 0; i < 6; i++) {
            HEX_VALUES['a' + i] = (byte) (10 + i);
            HEX_VALUES['A' + i] = (byte) (10 + i);
        }
    }

    private static final int NO_DIGEST = -1;
    private static final int BAD_SHAPE = -2;

    private final SignatureScheme scheme;
    private final SigningKey[] keys;
    private final VerificationResult[] validResults;
    private final MacPool macs;

    private SignatureVerifier(Builder builder) {
        this.scheme = builder.scheme;
        this.keys = builder.keys.toArray(new SigningKey[0]);
        this.validResults = new VerificationResult[keys.length];
        for (int i = 0; i < keys.length; i++) {
            validResults[i] = new VerificationResult(VerificationResult.Status.VALID, Optional.of(keys[i].label()));
        }
        this.macs = new MacPool(keys);
    }

    /** {@return a new builder with Refold's scheme and no keys} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return the scheme this verifier reads} */
    public SignatureScheme scheme() {
        return scheme;
    }

    /** {@return the labels of the configured keys, in the order they are tried} */
    public List<String> keyLabels() {
        List<String> labels = new ArrayList<>(keys.length);
        for (SigningKey key : keys) {
            labels.add(key.label());
        }
        return List.copyOf(labels);
    }

    /**
     * Checks {@code body} against every value the request carried in the signature header. No value is
     * {@link VerificationResult.Status#MISSING}; several differing values are
     * {@link VerificationResult.Status#AMBIGUOUS}, since a sender signs once.
     *
     * @param headerValues every value of the signature header, in the order received
     * @param body         the raw body exactly as received
     * @return whether the signature is valid and, if so, which key verified it
     * @throws NullPointerException if an argument is null
     */
    public VerificationResult verify(List<String> headerValues, byte[] body) {
        Objects.requireNonNull(headerValues, "headerValues");
        Objects.requireNonNull(body, "body");
        VerificationResult refused = oneValue(headerValues);
        return refused != null ? refused : verify(headerValues.get(0), body);
    }

    /**
     * Checks the signature header alone, before any body byte is read: returns the result a verification would
     * give when the header is missing, sent twice with different values or malformed, or empty when it is a well
     * formed signature and only the body can tell whether it matches. Costs no HMAC.
     *
     * @param headerValues every value of the signature header, in the order received
     * @return the refusal the header alone decides, or empty if only the body can tell
     * @throws NullPointerException if {@code headerValues} is null
     */
    public Optional<VerificationResult> checkHeader(List<String> headerValues) {
        Objects.requireNonNull(headerValues, "headerValues");
        VerificationResult refused = oneValue(headerValues);
        if (refused != null) {
            return Optional.of(refused);
        }
        String value = headerValues.get(0);
        int start = digestStart(value);
        if (start < 0) {
            return Optional.of(start == NO_DIGEST ? VerificationResult.MISSING : VerificationResult.MALFORMED);
        }
        for (int i = start; i < start + Hmac.LENGTH * 2; i++) {
            if (hexValue(value.charAt(i)) < 0) {
                return Optional.of(VerificationResult.MALFORMED);
            }
        }
        return Optional.empty();
    }

    /**
     * Checks {@code body} against one signature header value; a null value is
     * {@link VerificationResult.Status#MISSING}.
     *
     * @param headerValue the signature header's value, or null if the request had none
     * @param body        the raw body exactly as received
     * @return whether the signature is valid and, if so, which key verified it
     * @throws NullPointerException if {@code body} is null
     */
    public VerificationResult verify(String headerValue, byte[] body) {
        Objects.requireNonNull(body, "body");
        int start = digestStart(headerValue);
        if (start < 0) {
            return start == NO_DIGEST ? VerificationResult.MISSING : VerificationResult.MALFORMED;
        }
        MacPool.Lease lease = macs.take();
        try {
            return verify(headerValue, start, body, lease);
        } finally {
            macs.give(lease);
        }
    }

    // The one value of the header, or the result that refuses it: none, or several that differ other than in the
    // case of their letters (hex digits in either case are one signature).
    private static VerificationResult oneValue(List<String> headerValues) {
        if (headerValues.isEmpty()) {
            return VerificationResult.MISSING;
        }
        String first = headerValues.get(0);
        for (int i = 1; i < headerValues.size(); i++) {
            String other = headerValues.get(i);
            if (first == null ? other != null : !first.equalsIgnoreCase(other)) {
                return VerificationResult.AMBIGUOUS;
            }
        }
        return null;
    }

    // Where the hex digest starts in the header value, once trimmed and past the prefix; NO_DIGEST for a null,
    // empty or blank value and BAD_SHAPE for a wrong prefix or length.
    private int digestStart(String headerValue) {
        if (headerValue == null) {
            return NO_DIGEST;
        }
        int start = 0;
        int end = headerValue.length();
        while (start < end && isSpace(headerValue.charAt(start))) {
            start++;
        }
        while (end > start && isSpace(headerValue.charAt(end - 1))) {
            end--;
        }
        if (start == end) {
            return NO_DIGEST;
        }
        String prefix = scheme.prefix();
        if (!prefix.isEmpty()) {
            if (!headerValue.regionMatches(true, start, prefix, 0, prefix.length())) {
                return BAD_SHAPE;
            }
            start += prefix.length();
        }
        return end - start == Hmac.LENGTH * 2 ? start : BAD_SHAPE;
    }

    private VerificationResult verify(String headerValue, int start, byte[] body, MacPool.Lease lease) {
        byte[] provided = lease.provided;
        for (int i = 0; i < Hmac.LENGTH; i++) {
            int high = hexValue(headerValue.charAt(start + 2 * i));
            int low = hexValue(headerValue.charAt(start + 2 * i + 1));
            if ((high | low) < 0) {
                return VerificationResult.MALFORMED;
            }
            provided[i] = (byte) ((high << 4) | low);
        }
        byte[] expected = lease.expected;
        for (int k = 0; k < keys.length; k++) {
            Mac mac = lease.macs[k];
            mac.update(body);
            try {
                mac.doFinal(expected, 0);
            } catch (javax.crypto.ShortBufferException e) {
                throw new IllegalStateException("HMAC output buffer too small", e);
            }
            if (MessageDigest.isEqual(expected, provided)) {
                return validResults[k];
            }
        }
        return VerificationResult.MISMATCH;
    }

    @Override
    public String toString() {
        return "SignatureVerifier[header=" + scheme.headerName() + ", keys=" + keyLabels() + "]";
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t';
    }

    private static int hexValue(char c) {
        return c < HEX_VALUES.length ? HEX_VALUES[c] : -1;
    }

    /** Collects the scheme and keys; validates as it goes. Not thread-safe. */
    public static final class Builder {
        private SignatureScheme scheme = SignatureScheme.refold();
        private final List<SigningKey> keys = new ArrayList<>();

        private Builder() {
        }

        /**
         * Sets where the signature is read from; Refold's scheme by default.
         *
         * @param scheme the header the signature is read from, and its prefix
         * @return this builder
         * @throws NullPointerException if {@code scheme} is null
         */
        public Builder scheme(SignatureScheme scheme) {
            this.scheme = Objects.requireNonNull(scheme, "scheme");
            return this;
        }

        /**
         * Adds a key, tried after those added before it.
         *
         * @param key the key, with its label
         * @return this builder
         * @throws NullPointerException     if {@code key} is null
         * @throws IllegalArgumentException if a key with the same label was already added
         */
        public Builder key(SigningKey key) {
            Objects.requireNonNull(key, "key");
            for (SigningKey existing : keys) {
                if (existing.label().equals(key.label())) {
                    throw new IllegalArgumentException("a key labelled '" + key.label() + "' was already added");
                }
            }
            keys.add(key);
            return this;
        }

        /**
         * Adds the API key {@code apiKey} under {@code label}; see {@link SigningKey#of}.
         *
         * @param label  names the key in results and logs, for example {@code "live"}
         * @param apiKey the Refold API key
         * @return this builder
         * @throws NullPointerException     if an argument is null
         * @throws IllegalArgumentException if the label is refused by {@link SigningKey#of} or already used, or the
         *                                  key is empty
         */
        public Builder key(String label, String apiKey) {
            return key(SigningKey.of(label, apiKey));
        }

        /**
         * Builds the verifier.
         *
         * @return a verifier that tries the keys in the order added
         * @throws IllegalStateException if no key was added
         */
        public SignatureVerifier build() {
            if (keys.isEmpty()) {
                throw new IllegalStateException("at least one signing key is required");
            }
            return new SignatureVerifier(this);
        }
    }
}
