package ai.refold.webhooks.idempotency;

import java.util.Set;

/**
 * One key of {@link InMemoryIdempotencyStore}: PROCESSING while {@code owner} is set, otherwise COMPLETED, or
 * RELEASED with progress when {@code doneHandlers} is set. Its fields change only under its own lock and only while
 * it is still the key's entry; the store's map replaces or removes entries by identity, so a take-over or release
 * acts only on the exact entry read. A settled (completed or released) entry is also its own place in the eviction
 * order.
 */
final class MemoryEntry {

    final String key;
    volatile String owner;
    volatile long expiresAt;
    volatile Set<String> doneHandlers;

    MemoryEntry(String key, String owner, long expiresAt) {
        this.key = key;
        this.owner = owner;
        this.expiresAt = expiresAt;
    }

    boolean isProcessing() {
        return owner != null;
    }

    boolean isReleasedWithProgress() {
        return owner == null && doneHandlers != null;
    }
}
