package ai.refold.webhooks;

import ai.refold.webhooks.idempotency.InboxEntry;
import ai.refold.webhooks.idempotency.InboxQuery;
import ai.refold.webhooks.idempotency.InboxStats;
import ai.refold.webhooks.idempotency.InboxStore;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** An inbox store that hands every call to another; tests override the calls they break. */
class ForwardingInboxStore implements InboxStore {

    private final InboxStore delegate;

    ForwardingInboxStore(InboxStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public boolean offer(InboxEntry entry) {
        return delegate.offer(entry);
    }

    @Override
    public boolean offerTaken(InboxEntry entry, String owner, Duration lease) {
        return delegate.offerTaken(entry, owner, lease);
    }

    @Override
    public boolean storesTaken() {
        return delegate.storesTaken();
    }

    @Override
    public boolean isDurable() {
        return delegate.isDurable();
    }

    @Override
    public List<InboxEntry> take(String owner, int max, Duration lease) {
        return delegate.take(owner, max, lease);
    }

    @Override
    public boolean renew(String key, String owner, Duration lease) {
        return delegate.renew(key, owner, lease);
    }

    @Override
    public boolean done(String key, String owner, Duration retention) {
        return delegate.done(key, owner, retention);
    }

    @Override
    public boolean retry(String key, String owner, Duration delay, Set<String> doneHandlers, String error) {
        return delegate.retry(key, owner, delay, doneHandlers, error);
    }

    @Override
    public boolean dead(String key, String owner, Set<String> doneHandlers, String error) {
        return delegate.dead(key, owner, doneHandlers, error);
    }

    @Override
    public boolean giveUp(String key, String owner, Set<String> doneHandlers, String error) {
        return delegate.giveUp(key, owner, doneHandlers, error);
    }

    @Override
    public boolean release(String key, String owner) {
        return delegate.release(key, owner);
    }

    @Override
    public Optional<InboxEntry> find(String key) {
        return delegate.find(key);
    }

    @Override
    public List<InboxEntry> list(InboxQuery query) {
        return delegate.list(query);
    }

    @Override
    public int replay(InboxQuery query) {
        return delegate.replay(query);
    }

    @Override
    public int discard(InboxQuery query) {
        return delegate.discard(query);
    }

    @Override
    public int purge(int batchSize) {
        return delegate.purge(batchSize);
    }

    @Override
    public InboxStats stats() {
        return delegate.stats();
    }

    @Override
    public Optional<Instant> oldestDue() {
        return delegate.oldestDue();
    }
}
