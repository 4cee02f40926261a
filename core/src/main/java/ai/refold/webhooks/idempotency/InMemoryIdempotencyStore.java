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
        if (entries.size() >= maximumSize && !entries.containsKey(key)) {
            makeRoom(now);
        }
        MemoryEntry claimed = new MemoryEntry(key, owner, Durations.after(now, lease));
        while (true) {
            MemoryEntry current = entries.putIfAbsent(key, claimed);
            if (current == null) {
                return ClaimResult.CLAIMED;
            }
            synchronized (current) {
                boolean live = current.expiresAt > now;
                ClaimResult result;
                if (current.isProcessing()) {
                    if (live) {
                        return ClaimResult.IN_PROGRESS;
                    }
                    result = ClaimResult.RECLAIMED;
                    claimed.doneHandlers = current.doneHandlers;
                } else if (current.isReleasedWithProgress() && live) {
                    result = ClaimResult.RESUMED;
                    claimed.doneHandlers = current.doneHandlers;
                } else if (live) {
                    return ClaimResult.COMPLETED;
                } else {
                    result = ClaimResult.CLAIMED;
                }
                if (entries.replace(key, current, claimed)) {
                    return result;
                }
                claimed.doneHandlers = null;
            }
        }
    }

    @Override
    public boolean renew(String key, String owner, Duration lease) {
        Objects.requireNonNull(lease, "lease");
        MemoryEntry current = held(key, owner);
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
        MemoryEntry current = held(key, owner);
        if (current == null) {
            return false;
        }
        synchronized (current) {
            return isHeld(current, owner) && entries.remove(key, current);
        }
    }

    @Override
    public boolean release(String key, String owner, Set<String> doneHandlers, Duration retention) {
        return doneHandlers.isEmpty() ? release(key, owner) : settle(key, owner, Set.copyOf(doneHandlers), retention);
    }

    @Override
    public Set<String> doneHandlers(String key) {
        MemoryEntry current = entries.get(Objects.requireNonNull(key, "key"));
        Set<String> done = current == null ? null : current.doneHandlers;
        return done == null ? Set.of() : done;
    }

    @Override
    public Optional<Duration> leaseRemaining(String key) {
        MemoryEntry current = entries.get(Objects.requireNonNull(key, "key"));
        if (current == null || !current.isProcessing()) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofMillis(Math.max(0, current.expiresAt - clock.millis())));
    }

    /** {@return the number of entries held, live or expired but not yet reclaimed} */
    public int size() {
        return entries.size();
    }

    // Completes (no handlers) or releases with progress the owner's claim, keeping the entry for retention.
    private boolean settle(String key, String owner, Set<String> doneHandlers, Duration retention) {
        Objects.requireNonNull(retention, "retention");
        MemoryEntry current = held(key, owner);
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
        }
        settled.add(current);
        return true;
    }

    private MemoryEntry held(String key, String owner) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(owner, "owner");
        MemoryEntry current = entries.get(key);
        return current != null && owner.equals(current.owner) ? current : null;
    }

    // Under the entry's lock: the owner still holds it, and nobody took it over (the map still maps its key to it).
    private boolean isHeld(MemoryEntry current, String owner) {
        return owner.equals(current.owner) && entries.get(current.key) == current;
    }

    // Forgets the oldest settled entries until there is room; failing that, claims whose lease ran out.
    private void makeRoom(long now) {
        while (entries.size() >= maximumSize) {
            if (!settled.evictOldest() && !entries.values().removeIf(entry -> entry.expiresAt <= now)) {
                throw new StoreUnavailableException("in-memory idempotency store is full of deliveries in "
                        + "progress (maximum " + maximumSize + " entries)");
            }
        }
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
