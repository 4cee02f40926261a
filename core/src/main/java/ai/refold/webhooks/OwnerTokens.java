package ai.refold.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Tokens naming one attempt at an event, unique across instances: a random node id and a sequence number. Only the
 * attempt holding a claim or an inbox entry can end it, so a slow attempt can never end the one that took over.
 */
final class OwnerTokens {

    // The sequence number in base64url digits, most significant first: 11 digits of 6 bits hold any long.
    private static final byte[] DIGITS =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".getBytes(StandardCharsets.US_ASCII);
    private static final int SEQUENCE_DIGITS = 11;

    private final byte[] node;
    private final AtomicLong sequence = new AtomicLong();

    OwnerTokens() {
        byte[] nodeBytes = new byte[6];
        new SecureRandom().nextBytes(nodeBytes);
        // 48 random bits in 8 characters: tokens stay short (20 ASCII characters, one small string per delivery) yet
        // unique across instances; '.' is outside the base64url alphabet, so node and sequence cannot run together.
        this.node = (Base64.getUrlEncoder().withoutPadding().encodeToString(nodeBytes) + '.')
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** Returns a token for a new attempt: {@code <node>.<sequence>}, the sequence in fixed-width base64url digits. */
    String next() {
        long number = sequence.incrementAndGet();
        byte[] token = new byte[node.length + SEQUENCE_DIGITS];
        System.arraycopy(node, 0, token, 0, node.length);
        // Shifts and a table instead of Long.toString's divisions: the token is made for every delivery.
        for (int i = token.length - 1; i >= node.length; i--) {
            token[i] = DIGITS[(int) number & 63];
            number >>>= 6;
        }
        return new String(token, StandardCharsets.ISO_8859_1);
    }
}
