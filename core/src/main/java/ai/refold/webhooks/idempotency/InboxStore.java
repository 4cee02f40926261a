package ai.refold.webhooks.idempotency;

import java.time.Duration;
import java.time.Instant;
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
     * Stores a delivery if its key is absent, or if the entry with its key is DONE and its retention ran out (purged
     * or not): that entry is then replaced by the delivery, as new (no attempt, progress, error or rerun). Any other
     * entry with the key makes the delivery a duplicate and is left alone. One atomic step: of two offers of one key,
     * at most one stores.
     *
     * @param entry the delivery just received, as {@link InboxEntry#received} makes it
     * @return true if stored (the delivery is accepted), false if an entry with the key was there: pending, taken,
     *         dead, or done within its retention
     * @throws StoreUnavailableException if the store cannot answer; nothing was stored
     */
    boolean offer(InboxEntry entry);

    /**
     * Stores a delivery as {@link #offer} does, in one atomic step, already taken by {@code owner} for {@code lease}:
     * PROCESSING, as {@link #take} would leave it had it been offered and taken at once. The instance that received
     * the delivery hands it to one of its own idle workers without taking it again; should that instance crash, the
     * entry is taken again once its lease runs out, as any other. Called only if {@link #storesTaken()} is true, and
     * never for an entry with an {@linkplain InboxEntry#orderingKey() ordering key}, which may have to wait.
     *
     * @param entry the delivery just received, as {@link InboxEntry#received} makes it, without an ordering key
     * @param owner a token unique to the worker that runs it
     * @param lease how long the entry is held, unless renewed, before another worker may take it
     * @return true if stored (the delivery is accepted), false if an entry with the key was there, as for
     *         {@link #offer}
     * @throws StoreUnavailableException     if the store cannot answer; nothing was stored
     * @throws UnsupportedOperationException if this store does not store taken entries (the default)
     * @throws IllegalArgumentException      if the entry has an ordering key (the stores of this library)
     */
    default boolean offerTaken(InboxEntry entry, String owner, Duration lease) {
        throw new UnsupportedOperationException(getClass().getName() + " does not store taken entries");
    }

    /**
     * Returns whether {@link #offerTaken} is supported. A store that says no still works: each delivery is then
     * offered, and one of the workers takes it.
     *
     * @return false by default; true for the stores of this library
     */
    default boolean storesTaken() {
        return false;
    }

    /**
     * Returns whether the entries outlive this process. A receiver whose store says no (one in the JVM's memory) runs
     * what is handed over or due before it closes, within its shutdown timeout, since what is left is lost with the
     * process; a store that says yes keeps what was never taken for the next instance. A store that wraps another
     * answers as the one it wraps.
     *
     * @return true by default; false for {@link InMemoryInboxStore}
     */
    default boolean isDurable() {
        return true;
    }

    /**
     * Takes up to {@code max} entries for {@code owner}, oldest due first: pending entries that are due, and taken
     * entries whose lease ran out (returned with {@link InboxEntry#rerun()} set, as every later attempt of such an
     * entry is until it is done, a replay's included, and with the attempt their worker lost counted, so that a
     * delivery that takes down every worker that runs it still spends its attempts). Each becomes PROCESSING, held by
     * {@code owner} for {@code lease}. Instances taking at the same time never get the same entry. An entry with an
     * {@linkplain InboxEntry#orderingKey() ordering key} is held back, due or not, while another entry with the same
     * ordering key is PROCESSING, and a PENDING one also while an entry with that key received before it (by
     * {@link InboxEntry#receivedAt()}, then by key) is PENDING; so at most one entry of an ordering key is ever
     * PROCESSING, even between takers that cannot see each other's take, and one whose lease ran out is taken again
     * whatever waits behind it. DONE and DEAD entries hold nothing back.
     *
     * @param owner a token unique to the worker taking the entries
     * @param max   the most entries to take
     * @param lease how long the entries are held, unless renewed, before another worker may take them
     * @return the entries taken, oldest due first; empty if none is due
     * @throws StoreUnavailableException if the store cannot answer
     */
    List<InboxEntry> take(String owner, int max, Duration lease);

    /**
     * Extends {@code owner}'s lease on {@code key} to {@code lease} from now, as a heartbeat while handlers run.
     *
     * @param key   the entry's idempotency key
     * @param owner the token of the worker that took the entry
     * @param lease how long the entry is now held, counted from now
     * @return whether {@code owner} still held the entry; false if another worker took it over
     * @throws StoreUnavailableException if the store cannot answer
     */
    boolean renew(String key, String owner, Duration lease);

    /**
     * Marks {@code owner}'s entry DONE, kept for {@code retention} as a duplicate guard: once it runs out, a new
     * delivery of the key replaces the entry, and {@link #purge} may delete it.
     *
     * @param key       the entry's idempotency key
     * @param owner     the token of the worker that took the entry
     * @param retention how long the done entry is kept, so that later copies of the delivery are duplicates
     * @return whether {@code owner} held the entry; false if not held
     * @throws StoreUnavailableException if the store cannot answer
     */
    boolean done(String key, String owner, Duration retention);

    /**
     * Puts {@code owner}'s entry back as PENDING, due after {@code delay}, one more attempt counted, with the handlers
     * that have succeeded so far and the failure.
     *
     * @param key          the entry's idempotency key
     * @param owner        the token of the worker that took the entry
     * @param delay        how long until the entry is due again
     * @param doneHandlers every handler of the event that has succeeded so far; a retry runs only the others
     * @param error        the attempt's failure, as class and sanitized message
     * @return whether {@code owner} held the entry; false if not held
     * @throws StoreUnavailableException if the store cannot answer
     */
    boolean retry(String key, String owner, Duration delay, Set<String> doneHandlers, String error);

    /**
     * Marks {@code owner}'s entry DEAD, one more attempt counted, with its progress and failure, and still a
     * {@linkplain InboxEntry#rerun() rerun} if it was one, so that its replay runs only the handlers not yet done and
     * tells them whether an earlier worker may have run them. A dead entry stays until it is replayed or discarded.
     *
     * @param key          the entry's idempotency key
     * @param owner        the token of the worker that took the entry
     * @param doneHandlers every handler of the event that has succeeded so far
     * @param error        the last attempt's failure, as class and sanitized message
     * @return whether {@code owner} held the entry; false if not held
     * @throws StoreUnavailableException if the store cannot answer
     */
    boolean dead(String key, String owner, Set<String> doneHandlers, String error);

    /**
     * Marks {@code owner}'s entry DEAD without counting an attempt, with its progress and {@code error}, and still a
     * {@linkplain InboxEntry#rerun() rerun} if it was one: its worker took it with no attempt left (the last of them
     * lost with the worker that ran it, and counted by {@link #take}) and gives up on it without running a handler.
     * A dead entry stays until it is replayed or discarded.
     *
     * <p>The default calls {@link #dead}, which counts one attempt more than were made; the stores of this library
     * count none.
     *
     * @param key          the entry's idempotency key
     * @param owner        the token of the worker that took the entry
     * @param doneHandlers every handler of the event that has succeeded so far
     * @param error        why it was given up, as sanitized text
     * @return whether {@code owner} held the entry; false if not held
     * @throws StoreUnavailableException if the store cannot answer
     */
    default boolean giveUp(String key, String owner, Set<String> doneHandlers, String error) {
        return dead(key, owner, doneHandlers, error);
    }

    /**
     * Puts {@code owner}'s entry back as PENDING and due now, without counting an attempt, so that any worker may take
     * it at once.
     *
     * @param key   the entry's idempotency key
     * @param owner the token of the worker that took the entry
     * @return whether {@code owner} held the entry; false if not held
     * @throws StoreUnavailableException if the store cannot answer
     */
    boolean release(String key, String owner);

    /**
     * {@return the entry with {@code key}, if any}
     *
     * @param key the entry's idempotency key
     * @throws StoreUnavailableException if the store cannot answer
     */
    Optional<InboxEntry> find(String key);

    /**
     * {@return the entries {@code query} matches, oldest received first, at most its limit}
     *
     * @param query which entries to list
     * @throws StoreUnavailableException if the store cannot answer
     */
    List<InboxEntry> list(InboxQuery query);

    /**
     * Makes the dead entries {@code query} matches pending and due now, with no attempt counted; only DEAD entries
     * are replayed, whatever the query's states. Each keeps its progress, its last error and its
     * {@linkplain InboxEntry#rerun() rerun} flag: a replay runs only the handlers that have not yet succeeded, as a
     * rerun if an earlier worker may have run them without recording it, so that a handler told
     * {@code DeliveryContext.Attempt.FIRST} was never run to success before.
     *
     * @param query which dead entries to replay, at most its limit
     * @return how many were replayed
     * @throws StoreUnavailableException if the store cannot answer
     */
    int replay(InboxQuery query);

    /**
     * Deletes the dead entries {@code query} matches (only DEAD ones); their keys may then be received again.
     *
     * @param query which dead entries to delete, at most its limit
     * @return how many were deleted
     * @throws StoreUnavailableException if the store cannot answer
     */
    int discard(InboxQuery query);

    /**
     * Deletes at most {@code batchSize} done entries whose retention ran out.
     *
     * @param batchSize the most entries to delete in one call
     * @return how many were deleted; fewer than {@code batchSize} means none is left to purge for now
     * @throws StoreUnavailableException if the store cannot answer
     */
    int purge(int batchSize);

    /**
     * {@return how many entries are in each state, and since when the oldest due entry has waited} Counting reads
     * the entries counted, up to {@link InboxStats#EXACT_COUNT_LIMIT} of a state that a store estimates beyond it (the
     * JDBC store on PostgreSQL: the done entries, all those kept for their retention); the others are read in full:
     * call it for metrics and reports, not for every health check.
     *
     * @throws StoreUnavailableException if the store cannot answer
     */
    InboxStats stats();

    /**
     * {@return since when the oldest due entry has waited, as in {@link #stats()}, if any is due} An entry held back
     * by its ordering key is not counted as due: it waits for an earlier entry, not for a worker. What a health check
     * asks on every probe: a store should answer it without counting entries (the JDBC store reads the due entries'
     * index from its oldest, one row on PostgreSQL). The default asks {@link #stats()}.
     *
     * @throws StoreUnavailableException if the store cannot answer
     */
    default Optional<Instant> oldestDue() {
        return stats().oldestDue();
    }
}
