package ai.refold.webhooks.idempotency;

import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An {@link IdempotencyStore} in this JVM's memory: the default, and right for a receiver that runs as a single
 * instance. It forgets everything on restart and knows nothing of other instances; receivers behind a load
 * balancer need a shared store such as the JDBC one.
 *
 * <p>Every operation is O(1) and atomic per key; no lock is held while a handler runs. Memory is bounded by
 * {@link Builder#maximumSize}: when full, the oldest completed entries are forgotten first (which shortens their
 * duplicate protection), and an entry being processed is never evicted. If every slot holds a live claim, a new
 * claim fails with {@link StoreUnavailableException}.
 */
public final class InMemoryIdempotencyStore implements IdempotencyStore {

    /** How many entries a store holds unless {@link Builder#maximumSize} says otherwise: 100,000. */
    public static final int DEFAULT_MAXIMUM_SIZE = 100_000;

    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final Queue<Entry> completionOrder = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queueLength = new AtomicInteger();
    private final Clock clock;
    private final int maximumSize;

    private InMemoryIdempotencyStore(Builder builder) {
        this.clock = builder.clock;
        this.maximumSize = builder.maximumSize;
    }

    /** Returns a store with the defaults: 100,000 entries, the system clock. */
    public static InMemoryIdempotencyStore create() {
        return builder().build();
    }

    /** Returns a builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public ClaimResult claim(String key, String owner, Duration lease) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(lease, "lease");
        long now = clock.millis();
        if (entries.size() >= maximumSize && !entries.containsKey(key)) {
            makeRoom(now);
        }
        Entry claimed = new Entry(key, owner, now + lease.toMillis());
        while (true) {
            Entry current = entries.putIfAbsent(key, claimed);
            if (current == null) {
                return ClaimResult.CLAIMED;
            }
            synchronized (current) {
                if (current.expiresAt > now) {
                    return current.owner == null ? ClaimResult.COMPLETED : ClaimResult.IN_PROGRESS;
                }
                if (entries.replace(key, current, claimed)) {
                    return ClaimResult.CLAIMED;
                }
            }
        }
    }

    @Override
    public boolean complete(String key, String owner, Duration retention) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(retention, "retention");
        long now = clock.millis();
        Entry current = entries.get(key);
        if (current == null) {
            return false;
        }
        synchronized (current) {
            if (!owner.equals(current.owner) || current.expiresAt <= now || entries.get(key) != current) {
                return false;
            }
            current.owner = null;
            current.expiresAt = now + retention.toMillis();
        }
        completionOrder.add(current);
        if (queueLength.incrementAndGet() > compactionThreshold()) {
            compactQueue();
        }
        return true;
    }

    @Override
    public boolean release(String key, String owner) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(owner, "owner");
        Entry current = entries.get(key);
        if (current == null) {
            return false;
        }
        synchronized (current) {
            // A claim whose lease ran out is no longer held, even by its owner, as complete() also says.
            return owner.equals(current.owner) && current.expiresAt > clock.millis()
                    && entries.remove(key, current);
        }
    }

    /** Returns the number of entries held, live or expired but not yet reclaimed. */
    public int size() {
        return entries.size();
    }

    // Forgets the oldest completed entries until there is room. Every completed entry has a node in the queue; a
    // node may be stale (its key since re-claimed, completed again or evicted) and is then skipped: only the node
    // of the entry's latest completion may evict it, so a key completed again keeps its new place in the order.
    private void makeRoom(long now) {
        while (entries.size() >= maximumSize) {
            Entry oldest = completionOrder.poll();
            if (oldest == null) {
                if (!removeExpiredClaims(now)) {
                    throw new StoreUnavailableException("in-memory idempotency store is full of deliveries in "
                            + "progress (maximum " + maximumSize + " entries)");
                }
                continue;
            }
            queueLength.decrementAndGet();
            entries.remove(oldest.key, oldest);
        }
    }

    // Rare path: full, and no completed entry left to forget. Reclaims claims whose lease ran out.
    private boolean removeExpiredClaims(long now) {
        return entries.values().removeIf(entry -> entry.expiresAt <= now);
    }

    // Keeps the queue proportional to the map when the same keys complete again and again: drops the nodes whose
    // entry was since replaced or removed, keeping the others in completion order. Linear in the queue, which is
    // at most twice the map (or 2,048 nodes), so amortised O(1) per completion.
    private synchronized void compactQueue() {
        if (queueLength.get() <= compactionThreshold()) {
            return;
        }
        int kept = 0;
        for (Iterator<Entry> nodes = completionOrder.iterator(); nodes.hasNext(); ) {
            Entry node = nodes.next();
            if (entries.get(node.key) == node) {
                kept++;
            } else {
                nodes.remove();
            }
        }
        queueLength.set(kept);
    }

    private long compactionThreshold() {
        return 2L * Math.max(entries.size(), 1024);
    }

    @Override
    public String toString() {
        return "InMemoryIdempotencyStore[size=" + entries.size() + ", maximumSize=" + maximumSize + "]";
    }

    /**
     * PROCESSING when owner is set, COMPLETED when it is null. An entry changes (completes) only under its own
     * lock and only while it is still the key's entry; the map replaces or removes it by identity, so a take-over
     * or release acts only on the exact entry read. A completed entry is also its own place in the eviction order,
     * stale once its key maps to another entry.
     */
    private static final class Entry {
        final String key;
        volatile String owner;
        volatile long expiresAt;

        Entry(String key, String owner, long expiresAt) {
            this.key = key;
            this.owner = owner;
            this.expiresAt = expiresAt;
        }
    }

    /** Configures an {@link InMemoryIdempotencyStore}. Not thread-safe. */
    public static final class Builder {
        private Clock clock = Clock.systemUTC();
        private int maximumSize = DEFAULT_MAXIMUM_SIZE;

        private Builder() {
        }

        /**
         * Sets the clock that leases and retention are measured with; tests pass a controllable one.
         *
         * @throws NullPointerException if {@code clock} is null
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Sets how many entries the store holds at most; {@link #DEFAULT_MAXIMUM_SIZE} by default.
         *
         * @throws IllegalArgumentException if {@code maximumSize} is less than 1
         */
        public Builder maximumSize(int maximumSize) {
            if (maximumSize < 1) {
                throw new IllegalArgumentException("maximumSize must be at least 1 but was " + maximumSize);
            }
            this.maximumSize = maximumSize;
            return this;
        }

        /** Builds the store. */
        public InMemoryIdempotencyStore build() {
            return new InMemoryIdempotencyStore(this);
        }
    }
}
