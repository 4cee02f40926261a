package ai.refold.webhooks.idempotency;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An {@link IdempotencyStore} in this JVM's memory: the default, and right for a receiver that runs as a single
 * instance. It forgets everything on restart and knows nothing of other instances; receivers behind a load
 * balancer need a shared store such as the JDBC one.
 *
 * <p>Every operation is O(1) and atomic per key; no lock is held while a handler runs. Memory is bounded by
 * {@link Builder#maximumSize}: when full, the oldest completed (or released) entries are forgotten first (which
 * shortens their duplicate protection), and an entry being processed is never evicted. If every slot holds a live
 * claim, a new claim fails with {@link StoreUnavailableException}.
 */
public final class InMemoryIdempotencyStore implements IdempotencyStore {

    /** How many entries a store holds unless {@link Builder#maximumSize} says otherwise: 100,000. */
    public static final int DEFAULT_MAXIMUM_SIZE = 100_000;

    private final ConcurrentHashMap<String, MemoryEntry> entries = new ConcurrentHashMap<>();
    private final SettledOrder settled = new SettledOrder(entries);
    private final Clock clock;
    private final int maximumSize;

    private InMemoryIdempotencyStore(Builder builder) {
        this.clock = builder.clock;
        this.maximumSize = builder.maximumSize;
    }

    /** {@return a store with the defaults: 100,000 entries, the system clock} */
    public static InMemoryIdempotencyStore create() {
        return builder().build();
    }

    /** {@return a builder with the defaults} */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public ClaimResult claim(String key, String owner, Duration lease) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(lease, "lease");
        long now = clock.millis();
        long expiresAt = Durations.after(now, lease);
        MemoryEntry current = entries.get(key);
        while (true) {
            if (current == null) {
                if (entries.size() >= maximumSize) {
                    makeRoom(now);
                }
                current = entries.putIfAbsent(key, new MemoryEntry(key, owner, expiresAt));
                if (current == null) {
                    return ClaimResult.CLAIMED;
                }
            }
            synchronized (current) {
                if (!current.removed) {
                    return claim(current, owner, expiresAt, now);
                }
            }
            current = entries.get(key);
        }
    }

    // Under the lock of the key's entry: decides the claim and, if it is the caller's, takes the entry over in place.
    // What an earlier attempt recorded as done stays with a take-over or a resumption; a claim afresh starts clean.
    private static ClaimResult claim(MemoryEntry current, String owner, long expiresAt, long now) {
        boolean live = current.expiresAt > now;
        ClaimResult result;
        if (current.isProcessing()) {
            if (live) {
                return ClaimResult.IN_PROGRESS;
            }
            result = ClaimResult.RECLAIMED;
        } else if (current.isReleasedWithProgress() && live) {
            result = ClaimResult.RESUMED;
        } else if (live) {
            return ClaimResult.COMPLETED;
        } else {
            result = ClaimResult.CLAIMED;
            current.doneHandlers = null;
        }
        current.owner = owner;
        current.expiresAt = expiresAt;
        return result;
    }

    @Override
    public boolean renew(String key, String owner, Duration lease) {
        Objects.requireNonNull(lease, "lease");
        MemoryEntry current = entry(key, owner);
        if (current == null) {
            return false;
        }
        synchronized (current) {
            if (!isHeld(current, owner)) {
                return false;
            }
            current.expiresAt = Durations.after(clock.millis(), lease);
            return true;
        }
    }

    @Override
    public boolean complete(String key, String owner, Duration retention) {
        return settle(key, owner, null, retention);
    }

    @Override
    public boolean release(String key, String owner) {
        MemoryEntry current = entry(key, owner);
        if (current == null) {
            return false;
        }
        synchronized (current) {
            if (!isHeld(current, owner)) {
                return false;
            }
            remove(current);
            return true;
        }
    }

    @Override
    public boolean release(String key, String owner, Set<String> doneHandlers, Duration retention) {
        return doneHandlers.isEmpty() ? release(key, owner) : settle(key, owner, Set.copyOf(doneHandlers), retention);
    }

    @Override
    public Set<String> doneHandlers(String key) {
        MemoryEntry current = entries.get(Objects.requireNonNull(key, "key"));
        if (current == null) {
            return Set.of();
        }
        synchronized (current) {
            Set<String> done = current.removed ? null : current.doneHandlers;
            return done == null ? Set.of() : done;
        }
    }

    @Override
    public Optional<Duration> leaseRemaining(String key) {
        MemoryEntry current = entries.get(Objects.requireNonNull(key, "key"));
        if (current == null) {
            return Optional.empty();
        }
        long expiresAt;
        synchronized (current) {
            if (current.removed || !current.isProcessing()) {
                return Optional.empty();
            }
            expiresAt = current.expiresAt;
        }
        return Optional.of(Duration.ofMillis(Math.max(0, expiresAt - clock.millis())));
    }

    /** {@return the number of entries held, live or expired but not yet reclaimed} */
    public int size() {
        return entries.size();
    }

    // Completes (no handlers) or releases with progress the owner's claim, keeping the entry for retention.
    private boolean settle(String key, String owner, Set<String> doneHandlers, Duration retention) {
        Objects.requireNonNull(retention, "retention");
        MemoryEntry current = entry(key, owner);
        if (current == null) {
            return false;
        }
        synchronized (current) {
            if (!isHeld(current, owner)) {
                return false;
            }
            current.owner = null;
            current.doneHandlers = doneHandlers;
            current.expiresAt = Durations.after(clock.millis(), retention);
            settled.add(current);
        }
        return true;
    }

    private MemoryEntry entry(String key, String owner) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(owner, "owner");
        return entries.get(key);
    }

    // Under the entry's lock: the owner holds it, and it is still the key's entry (an entry leaves the map only
    // under its own lock, marked removed).
    private static boolean isHeld(MemoryEntry current, String owner) {
        return !current.removed && owner.equals(current.owner);
    }

    // Under the entry's lock: takes it out of the map and of the eviction order.
    private void remove(MemoryEntry current) {
        current.removed = true;
        entries.remove(current.key, current);
        settled.remove(current);
    }

    // Forgets the oldest settled entries until there is room; failing that, claims whose lease ran out.
    private void makeRoom(long now) {
        while (entries.size() >= maximumSize) {
            if (!settled.evictOldest() && !removeExpired(now)) {
                throw new StoreUnavailableException("in-memory idempotency store is full of deliveries in "
                        + "progress (maximum " + maximumSize + " entries)");
            }
        }
    }

    private boolean removeExpired(long now) {
        boolean removed = false;
        for (MemoryEntry entry : entries.values()) {
            synchronized (entry) {
                if (!entry.removed && entry.expiresAt <= now) {
                    remove(entry);
                    removed = true;
                }
            }
        }
        return removed;
    }

    @Override
    public String toString() {
        return "InMemoryIdempotencyStore[size=" + entries.size() + ", maximumSize=" + maximumSize + "]";
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
         * @param clock the clock leases and retention are measured with
         * @return this builder
         * @throws NullPointerException if {@code clock} is null
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Sets how many entries the store holds at most; {@link #DEFAULT_MAXIMUM_SIZE} by default.
         *
         * @param maximumSize how many entries the store holds at most, at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code maximumSize} is less than 1
         */
        public Builder maximumSize(int maximumSize) {
            if (maximumSize < 1) {
                throw new IllegalArgumentException("maximumSize must be at least 1 but was " + maximumSize);
            }
            this.maximumSize = maximumSize;
            return this;
        }

        /**
         * Builds the store.
         *
         * @return a new, empty store
         */
        public InMemoryIdempotencyStore build() {
            return new InMemoryIdempotencyStore(this);
        }
    }
}
