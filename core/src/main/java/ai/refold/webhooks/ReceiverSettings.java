package ai.refold.webhooks;

import ai.refold.webhooks.event.ReadLimits;
import ai.refold.webhooks.idempotency.IdempotencyKeyExtractor;
import ai.refold.webhooks.idempotency.IdempotencyStore;
import ai.refold.webhooks.idempotency.InMemoryIdempotencyStore;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * The settings of {@link WebhookReceiver.Builder} besides keys and handlers, with their defaults. Kept apart so that
 * each file reads in one sitting; users see these setters on the builder itself.
 */
abstract class ReceiverSettings {

    final List<DeliveryListener> listeners = new ArrayList<>();
    IdempotencyStore store;
    IdempotencyKeyExtractor keyExtractor = IdempotencyKeyExtractor.standard();
    int maxBodyBytes = WebhookReceiver.DEFAULT_MAX_BODY_BYTES;
    Duration readDeadline = WebhookReceiver.DEFAULT_READ_DEADLINE;
    long bodyBudget = WebhookReceiver.DEFAULT_BODY_BUDGET_BYTES;
    Duration lease = WebhookReceiver.DEFAULT_LEASE;
    Duration retention = WebhookReceiver.DEFAULT_RETENTION;
    Clock clock = Clock.systemUTC();
    ReadLimits readLimits;
    Executor acknowledgeFast;

    ReceiverSettings() {
    }

    /**
     * Adds a listener told of every delivery's result, for metrics; listeners run in the order added.
     *
     * @throws NullPointerException if {@code listener} is null
     */
    public final WebhookReceiver.Builder listener(DeliveryListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return self();
    }

    /**
     * Sets the store that deduplicates deliveries; by default an {@link InMemoryIdempotencyStore} on this
     * builder's clock, right for a single instance.
     *
     * @throws NullPointerException if {@code store} is null
     */
    public final WebhookReceiver.Builder idempotencyStore(IdempotencyStore store) {
        this.store = Objects.requireNonNull(store, "store");
        return self();
    }

    /**
     * Sets how an event maps to its idempotency key; {@link IdempotencyKeyExtractor#standard()} by default.
     *
     * @throws NullPointerException if {@code extractor} is null
     */
    public final WebhookReceiver.Builder idempotencyKeys(IdempotencyKeyExtractor extractor) {
        this.keyExtractor = Objects.requireNonNull(extractor, "extractor");
        return self();
    }

    /**
     * Sets the largest body accepted, in bytes; {@link WebhookReceiver#DEFAULT_MAX_BODY_BYTES} by default. Larger bodies are
     * answered 413.
     *
     * @throws IllegalArgumentException if {@code bytes} is not positive
     */
    public final WebhookReceiver.Builder maxBodyBytes(int bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("maxBodyBytes must be positive but was " + bytes);
        }
        this.maxBodyBytes = bytes;
        return self();
    }

    /**
     * Sets how long a delivery's body may take to arrive, counted from when its headers were received;
     * {@link WebhookReceiver#DEFAULT_READ_DEADLINE} by default. A body still incomplete then is answered 408 and its
     * connection closed, so that a client sending a byte now and then cannot hold a thread or a connection for
     * long. An adapter that reads without blocking enforces it exactly; a blocking read is checked between reads and
     * is bounded by the container's read timeout, which the README's container settings complement.
     *
     * @throws IllegalArgumentException if {@code deadline} is not positive
     */
    public final WebhookReceiver.Builder readDeadline(Duration deadline) {
        this.readDeadline = requirePositive(deadline, "readDeadline");
        return self();
    }

    /**
     * Sets how many body bytes the receiver holds at once across all deliveries being read or handled;
     * {@link WebhookReceiver#DEFAULT_BODY_BUDGET_BYTES} by default. A body reserves its declared length before it
     * is read (a body of unknown length reserves its buffer as it grows); one the budget cannot hold is refused at
     * once with 503 and {@code Retry-After}, so that concurrent large bodies cannot exhaust the heap. Keep it at
     * least as large as {@link #maxBodyBytes}, or the largest bodies are always refused.
     *
     * @throws IllegalArgumentException if {@code bytes} is not positive
     */
    public final WebhookReceiver.Builder bodyBudget(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("bodyBudget must be positive but was " + bytes);
        }
        this.bodyBudget = bytes;
        return self();
    }

    /**
     * Sets how long a claim holds before another delivery of the same event may take it over, which bounds how
     * long a crashed receiver delays the retry; {@link WebhookReceiver#DEFAULT_LEASE} by default.
     *
     * @throws IllegalArgumentException if {@code lease} is not positive
     */
    public final WebhookReceiver.Builder lease(Duration lease) {
        this.lease = requirePositive(lease, "lease");
        return self();
    }

    /**
     * Sets how long a processed event is remembered, so that later copies are recognised as duplicates;
     * {@link WebhookReceiver#DEFAULT_RETENTION} by default. Refold signs no timestamp, so this is also how long a replayed
     * delivery is refused.
     *
     * @throws IllegalArgumentException if {@code retention} is not positive
     */
    public final WebhookReceiver.Builder retention(Duration retention) {
        this.retention = requirePositive(retention, "retention");
        return self();
    }

    /**
     * Sets the clock for receive times and for the default store; the system UTC clock by default.
     *
     * @throws NullPointerException if {@code clock} is null
     */
    public final WebhookReceiver.Builder clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return self();
    }

    /**
     * Sets the parser's read limits; by default {@link ReadLimits#defaults()} capped at the body limit.
     *
     * @throws NullPointerException if {@code limits} is null
     */
    public final WebhookReceiver.Builder readLimits(ReadLimits limits) {
        this.readLimits = Objects.requireNonNull(limits, "limits");
        return self();
    }

    /**
     * Turns on acknowledge-fast mode: once an event is claimed, its handlers run on {@code executor} and the
     * delivery is answered 200 at once. A handler that then fails releases the event and is logged, but Refold
     * has its 200 and will not retry: use this only when the handlers cannot fail or handle their own retries.
     * If the executor refuses the work, the delivery is answered 503 and Refold retries.
     *
     * @throws NullPointerException if {@code executor} is null
     */
    public final WebhookReceiver.Builder acknowledgeFast(Executor executor) {
        this.acknowledgeFast = Objects.requireNonNull(executor, "executor");
        return self();
    }

    final WebhookReceiver.Builder self() {
        return (WebhookReceiver.Builder) this;
    }

    private static Duration requirePositive(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive but was " + value);
        }
        return value;
    }
}
