package ai.refold.webhooks;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Tokens naming one attempt at an event, unique across instances: a random node id and a sequence number. Only the
 * attempt holding a claim or an inbox entry can end it, so a slow attempt can never end the one that took over.
 */
final class OwnerTokens {

    private final String node;
    private final AtomicLong sequence = new AtomicLong();

    OwnerTokens() {
        byte[] nodeBytes = new byte[6];
        new SecureRandom().nextBytes(nodeBytes);
        // 48 random bits in 8 characters: tokens stay short (one small string per delivery) yet unique across
        // instances; '.' is outside the base64url alphabet, so node and sequence cannot run together.
        this.node = Base64.getUrlEncoder().withoutPadding().encodeToString(nodeBytes) + '.';
    }

    /** Returns a token for a new attempt. */
    String next() {
        return node + sequence.incrementAndGet();
    }
}
