package ai.refold.webhooks.idempotency;

import java.util.Iterator;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The order in which {@link InMemoryIdempotencyStore}'s entries were completed or released with progress, oldest
 * first, so that a full store forgets the oldest first. A node may be stale (its key since claimed again or evicted)
 * and is then skipped; the queue is compacted to stay proportional to the map.
 */
final class SettledOrder {

    private final Queue<MemoryEntry> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger length = new AtomicInteger();
    private final Map<String, MemoryEntry> entries;

    SettledOrder(Map<String, MemoryEntry> entries) {
        this.entries = entries;
    }

    /** Records that {@code entry} was just settled. */
    void add(MemoryEntry entry) {
        queue.add(entry);
        if (length.incrementAndGet() > compactionThreshold()) {
            compact();
        }
    }

    /** Forgets the oldest settled entry still in the map; returns false if there is none. */
    boolean evictOldest() {
        MemoryEntry oldest;
        while ((oldest = queue.poll()) != null) {
            length.decrementAndGet();
            if (entries.remove(oldest.key, oldest)) {
                return true;
            }
        }
        return false;
    }

    // Drops the nodes whose entry was since replaced or removed, keeping the others in order. Linear in the queue,
    // which is at most twice the map (or 2,048 nodes), so amortised O(1) per settlement.
    private synchronized void compact() {
        if (length.get() <= compactionThreshold()) {
            return;
        }
        int kept = 0;
        for (Iterator<MemoryEntry> nodes = queue.iterator(); nodes.hasNext(); ) {
            MemoryEntry node = nodes.next();
            if (entries.get(node.key) == node) {
                kept++;
            } else {
                nodes.remove();
            }
        }
        length.set(kept);
    }

    private long compactionThreshold() {
        return 2L * Math.max(entries.size(), 1024);
    }
}
