package ai.refold.webhooks;

import ai.refold.webhooks.idempotency.ClaimResult;
import ai.refold.webhooks.idempotency.IdempotencyStore;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A store that measures its receiver's heartbeats: the longest time between a claim and its first renewal, or between
 * two renewals, by the instance's clock. Against the lease it tells how close a soak came
 * to a claim running out under a handler that was still running. Everything else reaches the wrapped store as is.
 */
final class RenewalGaps implements IdempotencyStore {

    private final IdempotencyStore delegate;
    private final Map<String, Long> lastRenewed = new ConcurrentHashMap<>();
    private final AtomicLong longestNanos;

    /** Wraps {@code delegate}; instances that share {@code longestNanos} report one longest gap. */
    RenewalGaps(IdempotencyStore delegate, AtomicLong longestNanos) {
        this.delegate = delegate;
        this.longestNanos = longestNanos;
    }

    @Override
    public ClaimResult claim(String key, String owner, Duration lease) {
        ClaimResult result = delegate.claim(key, owner, lease);
        if (result.isClaimed()) {
            lastRenewed.put(owner, System.nanoTime());
        }
        return result;
    }

    @Override
    public boolean renew(String key, String owner, Duration lease) {
        long asked = System.nanoTime();
        boolean renewed = delegate.renew(key, owner, lease);
        Long previous = lastRenewed.replace(owner, asked);
        if (previous != null) {
            longestNanos.accumulateAndGet(asked - previous, Math::max);
        }
        return renewed;
    }

    @Override
    public boolean complete(String key, String owner, Duration retention) {
        ended(owner);
        return delegate.complete(key, owner, retention);
    }

    @Override
    public boolean release(String key, String owner) {
        ended(owner);
        return delegate.release(key, owner);
    }

    @Override
    public boolean release(String key, String owner, Set<String> doneHandlers, Duration retention) {
        ended(owner);
        return delegate.release(key, owner, doneHandlers, retention);
    }

    @Override
    public Set<String> doneHandlers(String key) {
        return delegate.doneHandlers(key);
    }

    @Override
    public Optional<Duration> leaseRemaining(String key) {
        return delegate.leaseRemaining(key);
    }

    // The gap up to the end is not counted: a killed instance's claims end only when the soak interrupts its halted
    // threads, and the receiver stops renewing a claim as it completes it anyway.
    private void ended(String owner) {
        lastRenewed.remove(owner);
    }
}
