package ai.refold.webhooks.idempotency;

import ai.refold.webhooks.event.ConnectionEvent;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.WebhookEvent;
import ai.refold.webhooks.event.WorkflowEvent;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

/** The extractor behind {@link IdempotencyKeyExtractor#standard()}. */
final class StandardIdempotencyKeys implements IdempotencyKeyExtractor {

    static final StandardIdempotencyKeys INSTANCE = new StandardIdempotencyKeys();

    // "Workflow Errored" -> "workflow-errored:", indexed by ordinal.
    private static final String[] PREFIXES = new String[EventType.values().length];

    static {
        for (EventType type : EventType.values()) {
            PREFIXES[type.ordinal()] = type.name().toLowerCase(Locale.ROOT).replace('_', '-') + ':';
        }
    }

    private StandardIdempotencyKeys() {
    }

    @Override
    public String keyFor(WebhookEvent event) {
        String key;
        if (event instanceof WorkflowEvent workflow && !workflow.instanceId().isBlank()) {
            key = prefix(workflow) + environment(workflow.environment()) + ':' + workflow.instanceId();
        } else if (event instanceof ConnectionEvent connection
                && !connection.createdAt().orElse("").isBlank()) {
            key = prefix(connection) + environment(connection.environment()) + ':'
                    + part(connection.linkedAccountId()) + ':' + part(connection.slug()) + ':'
                    + connection.createdAt().get();
        } else {
            // No identity (a blank instance_id or createdAt names no event): fingerprint the body, kept briefly.
            return CONTENT_KEY_PREFIX + event.payload().sha256Hex();
        }
        return storable(key);
    }

    // A missing environment is "-"; one sent as "-" is written "%2D" (no other part can read so, '%' being escaped).
    private static String environment(Optional<String> environment) {
        return environment.isEmpty() ? "-" : environment.get().equals("-") ? "%2D" : part(environment.get());
    }

    private static String prefix(WebhookEvent event) {
        return PREFIXES[event.eventType().orElseThrow().ordinal()];
    }

    // Escapes the separator (and the escape character) in every part but the last, so that parts cannot run into
    // each other and the key still reads back into its parts. Returns the part itself, allocating nothing, when it
    // holds neither.
    static String part(String value) {
        if (value.indexOf(':') < 0 && value.indexOf('%') < 0) {
            return value;
        }
        return value.replace("%", "%25").replace(":", "%3A");
    }

    /**
     * Returns {@code key} if it is at most {@value #MAX_LENGTH} characters and holds no NUL and no unpaired
     * surrogate, otherwise {@value #HASHED_KEY_PREFIX} and the SHA-256 of its UTF-16 characters (so that keys
     * differing only in what a store would mangle stay apart).
     */
    static String storable(String key) {
        if (key.length() <= MAX_LENGTH && !needsHashing(key)) {
            return key;
        }
        MessageDigest digest = sha256();
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            digest.update((byte) (c >> 8));
            digest.update((byte) c);
        }
        return HASHED_KEY_PREFIX + HexFormat.of().formatHex(digest.digest());
    }

    // The NUL search is one vectorised scan; the loop after it tests each character once, for the whole surrogate
    // range, and looks closer only at a surrogate (keys rarely hold one).
    private static boolean needsHashing(String key) {
        if (key.indexOf(0) >= 0) {
            return true;
        }
        int length = key.length();
        for (int i = 0; i < length; i++) {
            char c = key.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(key.charAt(i + 1))) {
                    i++;
                } else {
                    return true;
                }
            }
        }
        return false;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required on every Java platform", e);
        }
    }

    @Override
    public String toString() {
        return "IdempotencyKeyExtractor.standard()";
    }
}
