package ai.refold.webhooks.idempotency;

import ai.refold.webhooks.HandClock;

import ai.refold.webhooks.test.IdempotencyStoreContract;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * The store contract against the in-memory store. Both nodes are the one instance, as every receiver in one JVM would
 * share it; time is the store's clock, moved by hand; and an outage is a wrapper that fails while "down", since a
 * store in memory cannot be unreachable.
 */
class InMemoryIdempotencyStoreContractTest extends IdempotencyStoreContract {

    private final HandClock clock = new HandClock(Instant.parse("2026-11-01T10:00:00Z"));
    private final InMemoryIdempotencyStore store = InMemoryIdempotencyStore.builder().clock(clock).build();
    private volatile boolean down;

    @Override
    protected IdempotencyStore newNode() {
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
    private final class Switchable implements IdempotencyStore {
        private final IdempotencyStore delegate;

        Switchable(IdempotencyStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public ClaimResult claim(String key, String owner, Duration lease) {
            failIfDown();
            return delegate.claim(key, owner, lease);
        }

        @Override
        public boolean renew(String key, String owner, Duration lease) {
            failIfDown();
            return delegate.renew(key, owner, lease);
        }

        @Override
        public boolean complete(String key, String owner, Duration retention) {
            failIfDown();
            return delegate.complete(key, owner, retention);
        }

        @Override
        public boolean release(String key, String owner) {
            failIfDown();
            return delegate.release(key, owner);
        }

        @Override
        public boolean release(String key, String owner, Set<String> doneHandlers, Duration retention) {
            failIfDown();
            return delegate.release(key, owner, doneHandlers, retention);
        }

        @Override
        public Set<String> doneHandlers(String key) {
            failIfDown();
            return delegate.doneHandlers(key);
        }

        @Override
        public Optional<Duration> leaseRemaining(String key) {
            failIfDown();
            return delegate.leaseRemaining(key);
        }

        private void failIfDown() {
            if (down) {
                throw new StoreUnavailableException("idempotency store is down (simulated outage)");
            }
        }
    }
}
