package ai.refold.webhooks.signature;

import java.security.GeneralSecurityException;
import java.security.Key;

import javax.crypto.Mac;

/** HMAC-SHA256 plumbing shared by the verifier and the signer. */
final class Hmac {

    static final String ALGORITHM = "HmacSHA256";
    static final int LENGTH = 32;

    private Hmac() {
    }

    static Mac newMac(Key key) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            // Messages of key errors do not include key material; HmacSHA256 is on every Java platform.
            throw new IllegalStateException("HmacSHA256 is not available: " + e.getClass().getSimpleName(), e);
        }
    }
}
