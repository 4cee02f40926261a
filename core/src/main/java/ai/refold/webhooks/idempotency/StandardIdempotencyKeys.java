package ai.refold.webhooks.idempotency;

import ai.refold.webhooks.event.ConnectionEvent;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.WebhookEvent;
import ai.refold.webhooks.event.WorkflowEvent;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

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
        if (event instanceof WorkflowEvent workflow) {
            key = prefix(workflow) + workflow.environment().orElse("-") + ':' + workflow.instanceId();
        } else if (event instanceof ConnectionEvent connection && connection.createdAt().isPresent()) {
            key = prefix(connection) + connection.environment().orElse("-") + ':'
                    + connection.linkedAccountId() + ':' + connection.slug() + ':' + connection.createdAt().get();
        } else {
            return "sha256:" + event.payload().sha256Hex();
        }
        return key.length() <= MAX_LENGTH ? key : "sha256:" + sha256(key);
    }

    private static String prefix(WebhookEvent event) {
        return PREFIXES[event.eventType().orElseThrow().ordinal()];
    }

    private static String sha256(String value) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required on every Java platform", e);
        }
    }

    @Override
    public String toString() {
        return "IdempotencyKeyExtractor.standard()";
    }
}
