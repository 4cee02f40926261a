package ai.refold.webhooks;

import ai.refold.webhooks.idempotency.ClaimResult;
import ai.refold.webhooks.idempotency.IdempotencyStore;
import ai.refold.webhooks.idempotency.StoreUnavailableException;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A store that fails on cue: each operation can be made to throw {@link StoreUnavailableException} for its next
 * calls, or until healed, while the others reach the wrapped store. It counts every call, failed or not.
 */
final class FaultyStore implements IdempotencyStore {

    /** The store's operations, as faults name them. */
    enum Operation { CLAIM, RENEW, COMPLETE, RELEASE, DONE_HANDLERS, LEASE_REMAINING }

    private static final int ALWAYS = Integer.MAX_VALUE;

    private final IdempotencyStore delegate;
    private final Map<Operation, AtomicInteger> failuresLeft = new EnumMap<>(Operation.class);
    private final Map<Operation, AtomicInteger> calls = new EnumMap<>(Operation.class);

    FaultyStore(IdempotencyStore delegate) {
        this.delegate = delegate;
        for (Operation operation : Operation.values()) {
            failuresLeft.put(operation, new AtomicInteger());
            calls.put(operation, new AtomicInteger());
        }
    }

    /** Makes the next {@code times} calls of {@code operation} fail. */
    FaultyStore failNext(Operation operation, int times) {
        failuresLeft.get(operation).set(times);
        return this;
    }

    /** Makes every call of {@code operation} fail until {@link #heal}. */
    FaultyStore failAlways(Operation operation) {
        return failNext(operation, ALWAYS);
    }

    /** Ends the faults of {@code operation}. */
    FaultyStore heal(Operation operation) {
        return failNext(operation, 0);
    }

    /** Returns how many times {@code operation} was called. */
    int calls(Operation operation) {
        return calls.get(operation).get();
    }

    private void enter(Operation operation) {
        calls.get(operation).incrementAndGet();
        AtomicInteger left = failuresLeft.get(operation);
        if (left.getAndUpdate(n -> n == ALWAYS || n == 0 ? n : n - 1) > 0) {
            throw new StoreUnavailableException("store is down (injected fault in " + operation + ")");
        }
    }

    @Override
    public ClaimResult claim(String key, String owner, Duration lease) {
        enter(Operation.CLAIM);
        return delegate.claim(key, owner, lease);
    }

    @Override
    public boolean renew(String key, String owner, Duration lease) {
        enter(Operation.RENEW);
        return delegate.renew(key, owner, lease);
    }

    @Override
    public boolean complete(String key, String owner, Duration retention) {
        enter(Operation.COMPLETE);
        return delegate.complete(key, owner, retention);
    }

    @Override
    public boolean release(String key, String owner) {
        enter(Operation.RELEASE);
        return delegate.release(key, owner);
    }

    @Override
    public boolean release(String key, String owner, Set<String> doneHandlers, Duration retention) {
        enter(Operation.RELEASE);
        return delegate.release(key, owner, doneHandlers, retention);
    }

    @Override
    public Set<String> doneHandlers(String key) {
        enter(Operation.DONE_HANDLERS);
        return delegate.doneHandlers(key);
    }

    @Override
    public Optional<Duration> leaseRemaining(String key) {
        enter(Operation.LEASE_REMAINING);
        return delegate.leaseRemaining(key);
    }
}
