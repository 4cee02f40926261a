package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.idempotency.StoreUnavailableException;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * One reading of the inbox store (its counts for the gauges, its oldest due delivery for the health), taken at most
 * once per {@link #MAX_AGE}: a scrape reading every gauge, or probes close together, cost one reading. A store that
 * cannot answer is remembered as a failure for as long.
 *
 * <p>The store is read on a thread of its own, and a caller waits for it at most {@link #MAX_WAIT} from the moment
 * the reading started: a database that never answers (a frozen server, a network that drops packets, where a JDBC
 * driver without a socket timeout waits for good despite the query timeout) holds that one thread, never a probe's
 * or a scrape's, and every caller meanwhile gets a failure naming how long the store has not answered. No second
 * reading starts while one is under way.
 *
 * @param <T> what is read
 */
final class InboxReading<T> {

    /** How long one reading of the store is reused. */
    static final Duration MAX_AGE = Duration.ofSeconds(1);

    /** How long a caller waits for a reading under way, counted from its start. */
    static final Duration MAX_WAIT = Duration.ofSeconds(5);

    /**
     * One reading of the store.
     *
     * @param readAt  when it was read, by the application's clock
     * @param value   what the store answered, unless it failed
     * @param failure why the store could not answer, if it failed
     * @param <T>     what was read
     */
    record Snapshot<T>(Instant readAt, Optional<T> value, Optional<RuntimeException> failure) {
    }

    private final Supplier<T> read;
    private final Clock clock;
    private final Executor reader;
    private final long maxWaitNanos;
    private Snapshot<T> last;
    private CompletableFuture<Snapshot<T>> underWay;
    private long underWaySince;

    InboxReading(Supplier<T> read, Clock clock) {
        this(read, clock, InboxReading::onOwnThread, MAX_WAIT);
    }

    InboxReading(Supplier<T> read, Clock clock, Executor reader, Duration maxWait) {
        this.read = Objects.requireNonNull(read, "read");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.reader = Objects.requireNonNull(reader, "reader");
        this.maxWaitNanos = maxWait.toNanos();
    }

    /**
     * Returns the last reading if it is recent enough, or reads the store (an answer of null counts as a failure),
     * waiting for the reading under way, if any, rather than starting another; a reading that has taken longer than
     * {@link #MAX_WAIT} is answered as a failure at once.
     */
    Snapshot<T> current() {
        CompletableFuture<Snapshot<T>> reading;
        long since;
        synchronized (this) {
            Instant now = clock.instant();
            if (last != null && now.isBefore(last.readAt().plus(MAX_AGE)) && !now.isBefore(last.readAt())) {
                return last;
            }
            if (underWay != null) {
                reading = underWay;
                since = underWaySince;
            } else {
                // Kept here: a reading the caller makes itself (no thread for it) has ended, and cleared underWay,
                // by the time start returns.
                reading = new CompletableFuture<>();
                since = System.nanoTime();
                underWay = reading;
                underWaySince = since;
                start(reading, now);
            }
        }
        long waited = System.nanoTime() - since;
        try {
            return reading.get(Math.max(0, maxWaitNanos - waited), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return unanswered(System.nanoTime() - since);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return unanswered(System.nanoTime() - since);
        } catch (ExecutionException e) {
            // Only an Error escapes a reading; it is the caller's, as if the store had been read on its thread.
            throw (Error) e.getCause();
        }
    }

    // Reads on the reader; the reading becomes the last once it ends, however long it took.
    private void start(CompletableFuture<Snapshot<T>> reading, Instant now) {
        Runnable task = () -> {
            Snapshot<T> snapshot;
            try {
                snapshot = new Snapshot<>(now, Optional.of(read.get()), Optional.empty());
            } catch (RuntimeException e) {
                snapshot = new Snapshot<>(now, Optional.empty(), Optional.of(e));
            } catch (Error e) {
                ended(reading, null);
                reading.completeExceptionally(e);
                return;
            }
            ended(reading, snapshot);
            reading.complete(snapshot);
        };
        try {
            reader.execute(task);
        } catch (RuntimeException | Error e) {
            // No thread to read on (the process is out of them): this caller reads, as before there was a reader.
            task.run();
        }
    }

    private synchronized void ended(CompletableFuture<Snapshot<T>> reading, Snapshot<T> snapshot) {
        if (underWay == reading) {
            underWay = null;
        }
        if (snapshot != null) {
            last = snapshot;
        }
    }

    private Snapshot<T> unanswered(long nanos) {
        return new Snapshot<>(clock.instant(), Optional.empty(), Optional.of(new StoreUnavailableException(
                "inbox store has not answered for " + TimeUnit.NANOSECONDS.toMillis(nanos) + " ms")));
    }

    private static void onOwnThread(Runnable reading) {
        Thread thread = new Thread(reading, "refold-inbox-reading");
        thread.setDaemon(true);
        thread.start();
    }
}
