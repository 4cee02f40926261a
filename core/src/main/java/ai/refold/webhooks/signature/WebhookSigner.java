package ai.refold.webhooks.signature;

import java.util.HexFormat;
import java.util.Objects;

/**
 * Signs bodies the way Refold does, for tests and tools that play the sender. Thread-safe.
 *
 * <pre>{@code
 * WebhookSigner signer = WebhookSigner.of("test-api-key");
 * String signature = signer.sign(body); // value for the x-cobalt-signature header
 * }</pre>
 */
public final class WebhookSigner {

    private final SigningKey key;
    private final SignatureScheme scheme;

    private WebhookSigner(SigningKey key, SignatureScheme scheme) {
        this.key = key;
        this.scheme = scheme;
    }

    /**
     * {@return a signer for Refold's scheme with {@code apiKey}}
     *
     * @param apiKey the Refold API key to sign with
     * @throws NullPointerException     if {@code apiKey} is null
     * @throws IllegalArgumentException if {@code apiKey} is empty
     */
    public static WebhookSigner of(String apiKey) {
        return new WebhookSigner(SigningKey.create("signer", apiKey, "API key for label 'signer'"),
                SignatureScheme.refold());
    }

    /**
     * {@return a signer for {@code scheme} with {@code key}}
     *
     * @param key    the key to sign with
     * @param scheme the header the signature goes in, and its prefix
     * @throws NullPointerException if an argument is null
     */
    public static WebhookSigner of(SigningKey key, SignatureScheme scheme) {
        return new WebhookSigner(Objects.requireNonNull(key, "key"), Objects.requireNonNull(scheme, "scheme"));
    }

    /** {@return the header the signature goes in} */
    public String headerName() {
        return scheme.headerName();
    }

    /**
     * {@return the header value for {@code body}: the scheme's prefix and the lowercase hex HMAC-SHA256}
     *
     * @param body the raw body to sign, exactly as it will be sent
     * @throws NullPointerException if {@code body} is null
     */
    public String sign(byte[] body) {
        Objects.requireNonNull(body, "body");
        return scheme.prefix() + HexFormat.of().formatHex(Hmac.newMac(key.secret()).doFinal(body));
    }

    @Override
    public String toString() {
        return "WebhookSigner[header=" + scheme.headerName() + ", key=****]";
    }
}
