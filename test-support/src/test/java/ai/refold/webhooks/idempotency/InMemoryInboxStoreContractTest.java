package ai.refold.webhooks.idempotency;

import ai.refold.webhooks.HandClock;

import ai.refold.webhooks.test.InboxStoreContract;

import java.time.Duration;
import java.time.Instant;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The inbox contract against the in-memory inbox. Both nodes are the one instance, as every receiver in one JVM would
 * share it; time is the store's clock, moved by hand; and an outage is a wrapper that fails while "down", since a
 * store in memory cannot be unreachable.
 */
class InMemoryInboxStoreContractTest extends InboxStoreContract {

    private final HandClock clock = new HandClock(Instant.parse("2026-11-01T10:00:00Z"));
    private final InMemoryInboxStore store = InMemoryInboxStore.builder().clock(clock).build();
    private volatile boolean down;

    @Override
    protected InboxStore newNode() {
        return new Switchable(store);
    }

    @Override
    protected void advanceTime(Duration duration) {
        clock.advance(duration);
    }

    @Override
    protected void stopStore() {
        down = true;
    }

    @Override
    protected void startStore() {
        down = false;
    }

    /** Answers from the store, or fails as an unreachable shared store would while the test says it is down. */
    private final class Switchable implements InboxStore {
        private final InboxStore delegate;

        Switchable(InboxStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public boolean offer(InboxEntry entry) {
            failIfDown();
            return delegate.offer(entry);
        }

        @Override
        public boolean offerTaken(InboxEntry entry, String owner, Duration lease) {
            failIfDown();
            return delegate.offerTaken(entry, owner, lease);
        }

        @Override
        public boolean storesTaken() {
            return delegate.storesTaken();
        }

        @Override
        public List<InboxEntry> take(String owner, int max, Duration lease) {
            failIfDown();
            return delegate.take(owner, max, lease);
        }

        @Override
        public boolean renew(String key, String owner, Duration lease) {
            failIfDown();
            return delegate.renew(key, owner, lease);
        }

        @Override
        public boolean done(String key, String owner, Duration retention) {
            failIfDown();
            return delegate.done(key, owner, retention);
        }

        @Override
        public boolean retry(String key, String owner, Duration delay, Set<String> doneHandlers, String error) {
            failIfDown();
            return delegate.retry(key, owner, delay, doneHandlers, error);
        }

        @Override
        public boolean dead(String key, String owner, Set<String> doneHandlers, String error) {
            failIfDown();
            return delegate.dead(key, owner, doneHandlers, error);
        }

        @Override
        public boolean giveUp(String key, String owner, Set<String> doneHandlers, String error) {
            failIfDown();
            return delegate.giveUp(key, owner, doneHandlers, error);
        }

        @Override
        public boolean release(String key, String owner) {
            failIfDown();
            return delegate.release(key, owner);
        }

        @Override
        public Optional<InboxEntry> find(String key) {
            failIfDown();
            return delegate.find(key);
        }

        @Override
        public List<InboxEntry> list(InboxQuery query) {
            failIfDown();
            return delegate.list(query);
        }

        @Override
        public int replay(InboxQuery query) {
            failIfDown();
            return delegate.replay(query);
        }

        @Override
        public int discard(InboxQuery query) {
            failIfDown();
            return delegate.discard(query);
        }

        @Override
        public int purge(int batchSize) {
            failIfDown();
            return delegate.purge(batchSize);
        }

        @Override
        public InboxStats stats() {
            failIfDown();
            return delegate.stats();
        }

        @Override
        public Optional<Instant> oldestDue() {
            failIfDown();
            return delegate.oldestDue();
        }

        private void failIfDown() {
            if (down) {
                throw new StoreUnavailableException("inbox is down (simulated outage)");
            }
        }
    }
}
