package ai.refold.webhooks.signature;

import java.util.Locale;
import java.util.Objects;

/**
 * Where a sender puts its signature: the header name and an optional prefix before the hex digest. Refold's scheme
 * is {@code x-cobalt-signature} with no prefix; other senders use, for example, {@code X-Webhook-Signature} or a
 * {@code sha256=} prefix.
 *
 * @param headerName the header carrying the signature; compared case-insensitively
 * @param prefix     text before the hex digest, matched case-insensitively; empty for none
 */
public record SignatureScheme(String headerName, String prefix) {

    /** The header Refold signs deliveries in. */
    public static final String REFOLD_HEADER = "x-cobalt-signature";

    private static final SignatureScheme REFOLD = new SignatureScheme(REFOLD_HEADER, "");

    /**
     * Creates a scheme; the header name is kept in lower case.
     *
     * @param headerName the header carrying the signature, in any case
     * @param prefix     text before the hex digest; empty for none
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if the header name is not a valid HTTP header name
     */
    public SignatureScheme {
        Objects.requireNonNull(headerName, "headerName");
        Objects.requireNonNull(prefix, "prefix");
        if (headerName.isEmpty() || !headerName.chars().allMatch(SignatureScheme::isTokenChar)) {
            throw new IllegalArgumentException("not a valid header name: '" + headerName + "'");
        }
        headerName = headerName.toLowerCase(Locale.ROOT);
    }

    /** {@return Refold's scheme: {@code x-cobalt-signature}, lowercase hex, no prefix} */
    public static SignatureScheme refold() {
        return REFOLD;
    }

    /**
     * {@return a scheme with {@code headerName} and no prefix}
     *
     * @param headerName the header carrying the signature, in any case
     * @throws NullPointerException     if {@code headerName} is null
     * @throws IllegalArgumentException if {@code headerName} is not a valid HTTP header name
     */
    public static SignatureScheme header(String headerName) {
        return new SignatureScheme(headerName, "");
    }

    /**
     * {@return a copy of this scheme with {@code prefix} before the digest, for example {@code "sha256="}}
     *
     * @param prefix text before the hex digest, matched case-insensitively; empty for none
     * @throws NullPointerException if {@code prefix} is null
     */
    public SignatureScheme withPrefix(String prefix) {
        return new SignatureScheme(headerName, prefix);
    }

    private static boolean isTokenChar(int c) {
        return c > 0x20 && c < 0x7f && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
    }
}
