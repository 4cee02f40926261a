package ai.refold.webhooks.idempotency;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * Runs the concurrent calls of one store operation as shared statements, as a database's group commit does with its
 * flushes: a call that finds a lane free runs at once, alone; calls that arrive while every lane runs wait, and the
 * next statement carries all of them (up to a limit). The more calls arrive at once, the more each statement carries
 * and the less each call costs the database; a few lanes, not one, so that one slow statement does not hold up every
 * call.
 *
 * <p>Nothing is deferred past a call: each returns its own result only once the statement that carried it has ended,
 * or throws what ended that statement, exactly as it would with a statement of its own. A statement is atomic, so a
 * call that throws changed nothing. A statement that failed because of one of its rows (as {@code rowFailure} judges
 * the failure) is run again one call at a time, so that a bad row fails only its own call. Statements run on the
 * threads of the calls, never on a thread of their own.
 *
 * @param <T> what one call brings to the statement
 */
final class GroupCommit<T> {

    /** Runs one statement for some calls' items, and returns each item's result, in their order. */
    @FunctionalInterface
    interface Statement<T> {
        boolean[] run(List<T> items);
    }

    private static final class Call<T> {
        private final T item;
        private final Thread caller = Thread.currentThread();
        // Written before done, read after it.
        private boolean result;
        private Throwable failure;
        private boolean ranHere;
        private volatile boolean done;

        private Call(T item) {
            this.item = item;
        }
    }

    private final Statement<T> statement;
    private final Predicate<RuntimeException> rowFailure;
    private final int limit;
    private final int lanes;
    private final ConcurrentLinkedQueue<Call<T>> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicInteger running = new AtomicInteger();

    /**
     * @param statement  runs the statement for a batch of items
     * @param rowFailure whether a statement's failure came from one of its rows rather than from the store
     * @param limit      the most items one statement carries
     * @param lanes      the most statements that run at a time
     */
    GroupCommit(Statement<T> statement, Predicate<RuntimeException> rowFailure, int limit, int lanes) {
        if (limit < 1 || lanes < 1) {
            throw new IllegalArgumentException("limit and lanes must be positive but were " + limit + " and " + lanes);
        }
        this.statement = statement;
        this.rowFailure = rowFailure;
        this.limit = limit;
        this.lanes = lanes;
    }

    /**
     * Runs {@code item} in the next statement, alone or with the calls waiting beside it, and returns its result.
     *
     * @throws RuntimeException what ended the statement that carried it; nothing of the item was then changed
     */
    boolean call(T item) {
        Call<T> call = new Call<>(item);
        waiting.add(call);
        boolean interrupted = false;
        while (!call.done) {
            if (startLane()) {
                interrupted |= lead(call);
                if (call.done) {
                    break;
                }
            }
            // Another lane runs this call, or every lane is busy. Each statement has a query timeout, so the wait
            // ends; an interrupt cannot take back a call another thread may be running, so it is kept for the caller.
            LockSupport.park(this);
            interrupted |= Thread.interrupted();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return outcome(call);
    }

    // Runs statements in a lane until the call has ended or nothing waits; returns whether the caller was
    // interrupted. Calls queued ahead beyond the limit go first; this one is in a later statement of the same turn, or
    // in one another lane runs now. A statement runs free of the caller's interrupt: it carries other callers' rows,
    // which an interrupted connection would fail.
    private boolean lead(Call<T> call) {
        boolean interrupted = false;
        try {
            do {
                interrupted |= Thread.interrupted();
            } while (!call.done && runNext());
        } catch (Error e) {
            // Only an Error escapes a statement; a call no statement took is withdrawn, so that it is never stored.
            waiting.remove(call);
            throw e;
        } finally {
            running.decrementAndGet();
            // Whoever queued while every lane ran waits to be woken to run the next statement.
            Call<T> next = waiting.peek();
            if (next != null) {
                LockSupport.unpark(next.caller);
            }
        }
        return interrupted;
    }

    /** Returns how many calls wait for a statement now. */
    int waiting() {
        return waiting.size();
    }

    private boolean startLane() {
        for (int now = running.get(); now < lanes; now = running.get()) {
            if (running.compareAndSet(now, now + 1)) {
                return true;
            }
        }
        return false;
    }

    // Runs one statement for the calls waiting, up to the limit; false if none was waiting. Every call taken from the
    // queue ends, whatever is thrown, so that no caller waits for ever.
    private boolean runNext() {
        List<Call<T>> batch = new ArrayList<>();
        Throwable failure = new IllegalStateException("the statement did not run");
        try {
            for (Call<T> call; batch.size() < limit && (call = waiting.poll()) != null; ) {
                batch.add(call);
            }
            if (batch.isEmpty()) {
                return false;
            }
            failure = run(batch);
            return true;
        } catch (RuntimeException | Error e) {
            failure = e;
            throw e;
        } finally {
            Thread self = Thread.currentThread();
            for (Call<T> call : batch) {
                if (!call.done) {
                    call.failure = failure;
                    call.ranHere = call.caller == self;
                    call.done = true;
                    if (!call.ranHere) {
                        LockSupport.unpark(call.caller);
                    }
                }
            }
        }
    }

    // Runs the statement for a batch and ends each call with its result; returns the failure of the calls it could
    // not end (those the finally above ends), or null.
    private Throwable run(List<Call<T>> batch) {
        List<T> items = new ArrayList<>(batch.size());
        for (Call<T> call : batch) {
            items.add(call.item);
        }
        try {
            end(batch, statement.run(items));
            return null;
        } catch (RuntimeException e) {
            if (batch.size() == 1 || !rowFailure.test(e)) {
                return e;
            }
        }
        for (Call<T> call : batch) {
            try {
                end(List.of(call), statement.run(List.of(call.item)));
            } catch (RuntimeException e) {
                end(call, false, e);
            }
        }
        return null;
    }

    private void end(List<Call<T>> calls, boolean[] results) {
        // A programming error, after the statement committed: the calls are failed though their rows may be stored.
        if (results.length != calls.size()) {
            throw new IllegalStateException(results.length + " results for " + calls.size() + " calls");
        }
        for (int i = 0; i < results.length; i++) {
            end(calls.get(i), results[i], null);
        }
    }

    private static <T> void end(Call<T> call, boolean result, Throwable failure) {
        call.result = result;
        call.failure = failure;
        call.ranHere = call.caller == Thread.currentThread();
        call.done = true;
        if (!call.ranHere) {
            LockSupport.unpark(call.caller);
        }
    }

    // The thread that ran the statement throws what ended it; every other caller gets an exception of its own, with
    // that one as its cause, so that no two threads share an instance.
    private static <T> boolean outcome(Call<T> call) {
        Throwable failure = call.failure;
        if (failure == null) {
            return call.result;
        }
        if (call.ranHere && failure instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (call.ranHere && failure instanceof Error error) {
            throw error;
        }
        if (failure instanceof StoreUnavailableException unavailable) {
            throw new StoreUnavailableException(unavailable.getMessage(), unavailable);
        }
        throw new IllegalStateException("the statement that carried this call failed: " + failure, failure);
    }
}
