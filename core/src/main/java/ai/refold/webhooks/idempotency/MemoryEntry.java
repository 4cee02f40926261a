package ai.refold.webhooks.idempotency;

import java.util.Set;

/**
 * One key of {@link InMemoryIdempotencyStore}: PROCESSING while {@code owner} is set, otherwise COMPLETED, or
 * RELEASED with progress when {@code doneHandlers} is set. A key keeps its entry for as long as the map holds it: a
 * new claim takes the entry over in place, and an owner ends only a claim it still holds. Its fields are read and
 * changed only under its own lock; it leaves the map only under that lock too, marked {@code removed}, so that a
 * claim that finds it removed looks the key up again. A settled (completed or released) entry is also its own place
 * in the eviction order: a link of {@link SettledOrder}'s list, whose fields only that list touches, under its lock.
 */
final class MemoryEntry {

    final String key;
    String owner;
    long expiresAt;
    Set<String> doneHandlers;
    boolean removed;
    // Guarded by the store's SettledOrder.
    MemoryEntry previous;
    MemoryEntry next;
    boolean inOrder;

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
