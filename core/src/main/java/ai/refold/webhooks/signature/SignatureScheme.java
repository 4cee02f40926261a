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

    /** Returns Refold's scheme: {@code x-cobalt-signature}, lowercase hex, no prefix. */
    public static SignatureScheme refold() {
        return REFOLD;
    }

    /** Returns a scheme with {@code headerName} and no prefix. */
    public static SignatureScheme header(String headerName) {
        return new SignatureScheme(headerName, "");
    }

    /** Returns a copy of this scheme with {@code prefix} before the digest, for example {@code "sha256="}. */
    public SignatureScheme withPrefix(String prefix) {
        return new SignatureScheme(headerName, prefix);
    }

    private static boolean isTokenChar(int c) {
        return c > 0x20 && c < 0x7f && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
    }
}
