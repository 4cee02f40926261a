package ai.refold.webhooks.idempotency;

import java.util.Map;

/**
 * The order in which {@link InMemoryIdempotencyStore}'s entries were completed or released with progress, oldest
 * first, so that a full store forgets the oldest first. The entries themselves are the links of the list, so
 * recording a settlement allocates nothing and the list never outgrows the map: an entry is linked once at most,
 * moves to the end when it settles again, and is unlinked when it leaves the map. An entry claimed again stays where
 * it was until it settles again; eviction passes over it, since it is being processed.
 *
 * <p>The links change only under this object's lock, held for a few field writes. An entry's own lock, when needed,
 * is always taken first: {@link #add} and {@link #remove} are called under it, and {@link #evictOldest} takes it
 * only after letting go of this one.
 */
final class SettledOrder {

    private final Map<String, MemoryEntry> entries;
    private MemoryEntry head;
    private MemoryEntry tail;

    SettledOrder(Map<String, MemoryEntry> entries) {
        this.entries = entries;
    }

    /** Records that {@code entry} was just settled: it goes last. Called under the entry's lock. */
    synchronized void add(MemoryEntry entry) {
        if (entry.inOrder) {
            unlink(entry);
        }
        entry.previous = tail;
        if (tail == null) {
            head = entry;
        } else {
            tail.next = entry;
        }
        tail = entry;
        entry.inOrder = true;
    }

    /** Takes {@code entry} out of the order, as it leaves the map. Called under the entry's lock. */
    synchronized void remove(MemoryEntry entry) {
        if (entry.inOrder) {
            unlink(entry);
        }
    }

    /** Forgets the oldest settled entry still in the map; returns false if there is none. */
    boolean evictOldest() {
        while (true) {
            MemoryEntry oldest;
            synchronized (this) {
                oldest = head;
                if (oldest == null) {
                    return false;
                }
                unlink(oldest);
            }
            // Between the two locks the entry may have been claimed again (it is then passed over, and linked again
            // when it settles), settled again (linked again, last: passed over too) or removed.
            synchronized (oldest) {
                if (!oldest.removed && !oldest.isProcessing() && !isLinked(oldest)) {
                    oldest.removed = true;
                    entries.remove(oldest.key, oldest);
                    return true;
                }
            }
        }
    }

    private synchronized boolean isLinked(MemoryEntry entry) {
        return entry.inOrder;
    }

    // Called holding the lock, for an entry in the list.
    private void unlink(MemoryEntry entry) {
        MemoryEntry previous = entry.previous;
        MemoryEntry next = entry.next;
        if (previous == null) {
            head = next;
        } else {
            previous.next = next;
        }
        if (next == null) {
            tail = previous;
        } else {
            next.previous = previous;
        }
        entry.previous = null;
        entry.next = null;
        entry.inOrder = false;
    }
}
