package ai.refold.webhooks.idempotency;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * An {@link InboxStore} in this JVM's memory, for a receiver that runs as a single instance, and for tests. It is
 * bounded by {@link Builder#maximumSize}: when full it forgets the done entries that expire first, and past that a
 * new delivery is refused (503, so Refold retries). <strong>A crash or restart loses every entry</strong>, pending
 * ones included, although their senders were answered 200; at a graceful shutdown the receiver's workers run what is
 * due before they stop, within its timeout, and what still waits (a retry's backoff) is lost too. Use a
 * {@link JdbcInboxStore} when deliveries must survive the process. Every operation takes one lock, never held while
 * handlers run.
 */
public final class InMemoryInboxStore implements InboxStore {

    /** How many entries a store holds unless {@link Builder#maximumSize} says otherwise: 10,000. */
    public static final int DEFAULT_MAXIMUM_SIZE = 10_000;

    private final Map<String, InboxEntry> entries = new HashMap<>();
    private final Map<String, String> owners = new HashMap<>();
    private final MemoryDue due = new MemoryDue();
    private final Clock clock;
    private final int maximumSize;

    private InMemoryInboxStore(Builder builder) {
        this.clock = builder.clock;
        this.maximumSize = builder.maximumSize;
    }

    /** {@return a store with the defaults: 10,000 entries, the system clock} */
    public static InMemoryInboxStore create() {
        return builder().build();
    }

    /** {@return a builder with the defaults} */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public synchronized boolean offer(InboxEntry entry) {
        return store(entry, null, Duration.ZERO);
    }

    @Override
    public synchronized boolean offerTaken(InboxEntry entry, String owner, Duration lease) {
        InboxEntry.checkUnordered(entry);
        return store(entry, Objects.requireNonNull(owner, "owner"), Objects.requireNonNull(lease, "lease"));
    }

    @Override
    public boolean storesTaken() {
        return true;
    }

    @Override
    public boolean isDurable() {
        return false;
    }

    // A new delivery, pending and due now, or taken by owner for lease: stored if its key is absent, or replacing a
    // done entry whose retention ran out (a new event with its key, as in the idempotency store), purged or not.
    private boolean store(InboxEntry entry, String owner, Duration lease) {
        InboxEntry existing = entries.get(Objects.requireNonNull(entry, "entry").key());
        Instant now = clock.instant();
        if (existing != null && !MemoryRetention.isExpired(existing, now)) {
            return false;
        }
        if (existing == null && entries.size() >= maximumSize && !evictOneDone()) {
            throw new StoreUnavailableException("in-memory inbox is full (maximum " + maximumSize + " entries)");
        }
        put(entry.with(owner == null ? InboxState.PENDING : InboxState.PROCESSING, 0,
                owner == null ? now : Durations.after(now, lease), Set.of(), Optional.empty(), false));
        owners.put(entry.key(), owner); // null for a pending entry: nobody holds it
        return true;
    }

    @Override
    public synchronized List<InboxEntry> take(String owner, int max, Duration lease) {
        Objects.requireNonNull(owner, "owner");
        if (max < 1) {
            throw new IllegalArgumentException("max must be positive but was " + max);
        }
        Instant now = clock.instant();
        List<InboxEntry> taken = new ArrayList<>();
        for (InboxEntry entry : due.ready(now, max)) {
            // Taken while taken: its worker stopped without a record, and that attempt counts.
            boolean lost = entry.state() == InboxState.PROCESSING;
            InboxEntry held = entry.with(InboxState.PROCESSING, entry.attempts() + (lost ? 1 : 0),
                    Durations.after(now, lease), entry.doneHandlers(), entry.lastError(), lost || entry.rerun());
            put(held);
            owners.put(held.key(), owner);
            taken.add(held.copy());
        }
        return taken;
    }

    @Override
    public synchronized boolean renew(String key, String owner, Duration lease) {
        InboxEntry entry = held(key, owner);
        if (entry == null) {
            return false;
        }
        put(entry.with(InboxState.PROCESSING, entry.attempts(), Durations.after(clock.instant(), lease),
                entry.doneHandlers(), entry.lastError(), entry.rerun()));
        return true;
    }

    @Override
    public synchronized boolean done(String key, String owner, Duration retention) {
        return end(key, owner, InboxState.DONE, 0, retention, Set.of(), null);
    }

    @Override
    public synchronized boolean retry(String key, String owner, Duration delay, Set<String> doneHandlers,
                                      String error) {
        return end(key, owner, InboxState.PENDING, 1, delay, doneHandlers, error);
    }

    @Override
    public synchronized boolean dead(String key, String owner, Set<String> doneHandlers, String error) {
        return end(key, owner, InboxState.DEAD, 1, Duration.ZERO, doneHandlers, error);
    }

    @Override
    public synchronized boolean giveUp(String key, String owner, Set<String> doneHandlers, String error) {
        return end(key, owner, InboxState.DEAD, 0, Duration.ZERO, doneHandlers, error);
    }

    @Override
    public synchronized boolean release(String key, String owner) {
        InboxEntry entry = held(key, owner);
        if (entry == null) {
            return false;
        }
        put(entry.with(InboxState.PENDING, entry.attempts(), clock.instant(), entry.doneHandlers(),
                entry.lastError(), entry.rerun()));
        return true;
    }

    @Override
    public synchronized Optional<InboxEntry> find(String key) {
        return Optional.ofNullable(entries.get(Objects.requireNonNull(key, "key"))).map(InboxEntry::copy);
    }

    @Override
    public synchronized List<InboxEntry> list(InboxQuery query) {
        return matching(query).stream().map(InboxEntry::copy).toList();
    }

    @Override
    public synchronized int replay(InboxQuery query) {
        List<InboxEntry> dead = matching(Objects.requireNonNull(query, "query").deadOnly());
        for (InboxEntry entry : dead) {
            put(entry.with(InboxState.PENDING, 0, clock.instant(), entry.doneHandlers(), entry.lastError(),
                    entry.rerun()));
        }
        return dead.size();
    }

    @Override
    public synchronized int discard(InboxQuery query) {
        List<InboxEntry> dead = matching(Objects.requireNonNull(query, "query").deadOnly());
        dead.forEach(entry -> remove(entry.key()));
        return dead.size();
    }

    @Override
    public synchronized int purge(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1 but was " + batchSize);
        }
        List<String> expired = MemoryRetention.expired(entries.values(), clock.instant(), batchSize);
        expired.forEach(this::remove);
        return expired.size();
    }

    @Override
    public synchronized InboxStats stats() {
        return new InboxStats(entries.values().stream().collect(Collectors.groupingBy(InboxEntry::state,
                () -> new EnumMap<>(InboxState.class), Collectors.counting())), oldestDue());
    }

    @Override
    public synchronized Optional<Instant> oldestDue() {
        return due.oldestDue(clock.instant());
    }

    /** {@return the number of entries held, in any state} */
    public synchronized int size() {
        return entries.size();
    }

    private boolean end(String key, String owner, InboxState state, int failed, Duration wait,
                        Set<String> doneHandlers, String error) {
        InboxEntry entry = held(key, owner);
        if (entry == null) {
            return false;
        }
        Instant now = clock.instant();
        // A rerun stays one until done (a dead one keeps it for its replay): the crashed attempt may have run them all.
        put(entry.with(state, entry.attempts() + failed, wait.isZero() ? now : Durations.after(now, wait), doneHandlers,
                error == null ? entry.lastError() : Optional.of(error), state != InboxState.DONE && entry.rerun()));
        owners.remove(key);
        return true;
    }

    private List<InboxEntry> matching(InboxQuery query) {
        return entries.values().stream().filter(query::matches)
                .sorted(Comparator.comparing(InboxEntry::receivedAt).thenComparing(InboxEntry::key))
                .limit(query.limit()).toList();
    }

    private InboxEntry held(String key, String owner) {
        InboxEntry entry = entries.get(Objects.requireNonNull(key, "key"));
        return entry != null && entry.state() == InboxState.PROCESSING
                && Objects.requireNonNull(owner, "owner").equals(owners.get(key)) ? entry : null;
    }

    private void put(InboxEntry entry) {
        due.replace(entries.put(entry.key(), entry), entry);
    }

    private void remove(String key) {
        due.replace(entries.remove(key), null);
        owners.remove(key);
    }

    // Full: forget the done entry whose retention ends first, if there is one.
    private boolean evictOneDone() {
        Optional<InboxEntry> first = MemoryRetention.firstToEnd(entries.values());
        first.ifPresent(entry -> remove(entry.key()));
        return first.isPresent();
    }

    @Override
    public synchronized String toString() {
        return "InMemoryInboxStore[size=" + entries.size() + ", maximumSize=" + maximumSize + "]";
    }

    /** Configures an {@link InMemoryInboxStore}. Not thread-safe. */
    public static final class Builder {
        private Clock clock = Clock.systemUTC();
        private int maximumSize = DEFAULT_MAXIMUM_SIZE;

        private Builder() {
        }

        /**
         * Sets the clock that due times, leases and retention are measured with; tests pass a controllable one.
         *
         * @param clock the clock due times, leases and retention are measured with
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
        public InMemoryInboxStore build() {
            return new InMemoryInboxStore(this);
        }
    }
}
