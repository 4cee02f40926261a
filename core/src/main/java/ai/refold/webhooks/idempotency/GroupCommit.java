package ai.refold.webhooks.idempotency;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs the concurrent calls of one store operation as one statement, as a database's group commit does with its
 * flushes: a call that finds no statement running runs at once, alone; calls that arrive while one runs wait, and the
 * next statement runs all of them (up to a limit) together. One statement runs at a time, so the more calls arrive at
 * once, the more each statement carries and the less each call costs the database.
 *
 * <p>Nothing is deferred past a call: each returns its own result only once the statement that carried it has ended,
 * or throws what ended that statement, exactly as it would with a statement of its own. A statement is atomic, so a
 * call that throws changed nothing. The statement runs on the thread of one of the waiting calls.
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
    private final int limit;
    private final ConcurrentLinkedQueue<Call<T>> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean();

    /**
     * @param statement runs the statement for a batch of items
     * @param limit     the most items one statement carries
     */
    GroupCommit(Statement<T> statement, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive but was " + limit);
        }
        this.statement = statement;
        this.limit = limit;
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
            if (running.compareAndSet(false, true)) {
                try {
                    // Calls queued ahead beyond the limit go first; this one is in a later statement of the same turn.
                    while (!call.done) {
                        runNext();
                    }
                } finally {
                    running.set(false);
                }
                // Whoever queued while this turn ran, and found it running, waits to be woken to take the next.
                Call<T> next = waiting.peek();
                if (next != null) {
                    LockSupport.unpark(next.caller);
                }
            } else {
                // The statement running has a query timeout, so the wait is bounded; an interrupt cannot take back a
                // call another thread may already be running, so it is kept for the caller instead.
                LockSupport.park(this);
                interrupted |= Thread.interrupted();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return outcome(call);
    }

    /** Returns how many calls wait for a statement now. */
    int waiting() {
        return waiting.size();
    }

    private void runNext() {
        List<Call<T>> batch = new ArrayList<>(Math.min(limit, 16));
        List<T> items = new ArrayList<>(Math.min(limit, 16));
        Call<T> call;
        while (batch.size() < limit && (call = waiting.poll()) != null) {
            batch.add(call);
            items.add(call.item);
        }
        boolean[] results = null;
        Throwable failure = null;
        try {
            results = statement.run(items);
            if (results.length != items.size()) {
                failure = new IllegalStateException(results.length + " results for " + items.size() + " calls");
            }
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        Thread self = Thread.currentThread();
        for (int i = 0; i < batch.size(); i++) {
            Call<T> done = batch.get(i);
            if (failure == null) {
                done.result = results[i];
            } else {
                done.failure = failure;
            }
            done.ranHere = done.caller == self;
            done.done = true;
            if (!done.ranHere) {
                LockSupport.unpark(done.caller);
            }
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
