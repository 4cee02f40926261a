package ai.refold.webhooks.idempotency;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Where an inbox-mode receiver keeps each verified delivery until its handlers have run: persist, then acknowledge.
 * One entry per idempotency key, so the inbox also deduplicates (it replaces the {@link IdempotencyStore} in inbox
 * mode). Workers on every instance take due entries with a lease, renew it while handlers run, and mark each entry
 * done, due again later, or dead; a worker that crashes stops renewing, and its entries are taken again once their
 * lease runs out. As with claims, ownership decides who ends a taken entry: its worker, unless another took it over.
 *
 * <p>Times are the store's: delays and leases are added to its clock. Implementations must be thread-safe, each
 * operation atomic; any may throw {@link StoreUnavailableException}, and {@link #offer} must then have stored
 * nothing, so the receiver answers 503 and Refold retries. {@code InboxStoreContract} in {@code refold-webhooks-test}
 * is the suite every inbox store runs.
 */
public interface InboxStore {

    /**
     * Stores a delivery if its key is absent, in one atomic step.
     *
     * @return true if stored (the delivery is accepted), false if an entry with the key was already there
     * @throws StoreUnavailableException if the store cannot answer; nothing was stored
     */
    boolean offer(InboxEntry entry);

    /**
     * Takes up to {@code max} entries for {@code owner}, oldest due first: pending entries that are due, and taken
     * entries whose lease ran out (returned with {@link InboxEntry#rerun()} set, as every later attempt of such an
     * entry is until it is done or dead). Each becomes PROCESSING, held by
     * {@code owner} for {@code lease}. Instances taking at the same time never get the same entry.
     */
    List<InboxEntry> take(String owner, int max, Duration lease);

    /** Extends {@code owner}'s lease on {@code key}; false if it no longer holds the entry. */
    boolean renew(String key, String owner, Duration lease);

    /** Marks {@code owner}'s entry DONE, kept for {@code retention} as a duplicate guard; false if not held. */
    boolean done(String key, String owner, Duration retention);

    /**
     * Puts {@code owner}'s entry back as PENDING, due after {@code delay}, one more attempt counted, with the handlers
     * that have succeeded so far and the failure; false if not held.
     */
    boolean retry(String key, String owner, Duration delay, Set<String> doneHandlers, String error);

    /** Marks {@code owner}'s entry DEAD, one more attempt counted, with its progress and failure; false if not held. */
    boolean dead(String key, String owner, Set<String> doneHandlers, String error);

    /** Puts {@code owner}'s entry back as PENDING and due now, without counting an attempt; false if not held. */
    boolean release(String key, String owner);

    /** Returns the entry with {@code key}, if any. */
    Optional<InboxEntry> find(String key);

    /** Returns the entries {@code query} matches, oldest received first, at most its limit. */
    List<InboxEntry> list(InboxQuery query);

    /**
     * Makes the dead entries {@code query} matches pending and due now, with no attempt counted and no progress
     * kept (a replay runs every handler); only DEAD entries are replayed, whatever the query's states.
     *
     * @return how many were replayed
     */
    int replay(InboxQuery query);

    /** Deletes the dead entries {@code query} matches (only DEAD ones); returns how many. */
    int discard(InboxQuery query);

    /** Deletes at most {@code batchSize} done entries whose retention ran out; returns how many. */
    int purge(int batchSize);

    /** Returns how many entries are in each state, and since when the oldest due entry has waited. */
    InboxStats stats();
}
