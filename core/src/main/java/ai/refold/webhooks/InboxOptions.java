package ai.refold.webhooks;

import ai.refold.webhooks.idempotency.RetryPolicy;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * How an inbox-mode receiver runs the deliveries it stored: how often a failed one is tried again, how many workers
 * take due deliveries, and how often idle workers look for deliveries stored by other instances (a delivery this
 * instance stored is taken at once).
 *
 * <pre>{@code
 * WebhookReceiver receiver = WebhookReceiver.builder()
 *         .signingKey("live", apiKey)
 *         .inbox(JdbcInboxStore.builder().dataSource(dataSource).createTableIfMissing(true).build(),
 *                 InboxOptions.defaults().withWorkers(4))
 *         .on(WorkflowErrored.class, (event, context) -> alerts.open(event.instanceId()))
 *         .build(); // starts the workers; close() stops them
 * }</pre>
 *
 * @param retries      when a failed delivery is tried again, and when it is dead
 * @param workers      how many deliveries this instance runs at a time
 * @param pollInterval how long an idle worker waits before looking for due deliveries again
 * @param executor     runs the workers' loops (one long-lived task per worker); by default daemon threads of the
 *                     receiver's own
 */
public record InboxOptions(RetryPolicy retries, int workers, Duration pollInterval, Optional<Executor> executor,
                           boolean orderPerLinkedAccount) {

    /** Workers per instance unless {@link #withWorkers} says otherwise: 2. */
    public static final int DEFAULT_WORKERS = 2;

    /** Idle workers look for due deliveries this often unless {@link #withPollInterval} says otherwise: 1 second. */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);

    private static final InboxOptions DEFAULTS = new InboxOptions(RetryPolicy.defaults(), DEFAULT_WORKERS,
            DEFAULT_POLL_INTERVAL, Optional.empty(), false);

    /**
     * Creates options; {@link #defaults()} and the {@code with} methods are the usual way to get them.
     *
     * @param retries      when a failed delivery is tried again, and when it is dead
     * @param workers      how many deliveries this instance runs at a time, 1 to 256
     * @param pollInterval how long an idle worker waits before looking for due deliveries again, 10 ms to 1 hour
     * @param executor     runs the workers' loops; empty for daemon threads of the receiver's own
     * @param orderPerLinkedAccount whether the deliveries of one linked account run one at a time, in the order they
     *                     were received (see {@link #withOrderPerLinkedAccount})
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code workers} is not 1 to 256, or the poll interval is not 10 ms to 1 hour
     */
    public InboxOptions {
        Objects.requireNonNull(retries, "retries");
        if (workers < 1 || workers > 256) {
            throw new IllegalArgumentException("workers must be 1 to 256 but was " + workers);
        }
        Objects.requireNonNull(pollInterval, "pollInterval");
        if (pollInterval.compareTo(Duration.ofMillis(10)) < 0 || pollInterval.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("pollInterval must be 10 ms to 1 hour but was " + pollInterval);
        }
        Objects.requireNonNull(executor, "executor");
    }

    /**
     * {@return the defaults: {@link RetryPolicy#defaults()}, 2 workers, a 1 second poll interval, own threads, no
     * order}
     */
    public static InboxOptions defaults() {
        return DEFAULTS;
    }

    /**
     * {@return a copy with {@code retries}}
     *
     * @param retries when a failed delivery is tried again, and when it is dead
     * @throws NullPointerException if {@code retries} is null
     */
    public InboxOptions withRetries(RetryPolicy retries) {
        return new InboxOptions(retries, workers, pollInterval, executor, orderPerLinkedAccount);
    }

    /**
     * {@return a copy with {@code workers} workers}
     *
     * @param workers how many deliveries this instance runs at a time, 1 to 256
     * @throws IllegalArgumentException if {@code workers} is not 1 to 256
     */
    public InboxOptions withWorkers(int workers) {
        return new InboxOptions(retries, workers, pollInterval, executor, orderPerLinkedAccount);
    }

    /**
     * {@return a copy polling every {@code pollInterval}}
     *
     * @param pollInterval how long an idle worker waits before looking for due deliveries again, 10 ms to 1 hour
     * @throws NullPointerException     if {@code pollInterval} is null
     * @throws IllegalArgumentException if {@code pollInterval} is not 10 ms to 1 hour
     */
    public InboxOptions withPollInterval(Duration pollInterval) {
        return new InboxOptions(retries, workers, pollInterval, executor, orderPerLinkedAccount);
    }

    /**
     * {@return a copy whose workers run on {@code executor}, which must be able to run all of them at once}
     *
     * @param executor runs the workers' loops, one long-lived task per worker (ended by
     *                 {@link WebhookReceiver#pause}, given again by {@link WebhookReceiver#resume})
     * @throws NullPointerException if {@code executor} is null
     */
    public InboxOptions withExecutor(Executor executor) {
        return new InboxOptions(retries, workers, pollInterval, Optional.of(executor), orderPerLinkedAccount);
    }

    /**
     * {@return a copy that runs the deliveries of one linked account one at a time, in the order they were received,
     * or (false, the default) as workers are free}
     * With the order on, a delivery that names a linked account ({@code linked_account_id}: every connection event,
     * and workflow events that carry one) is not run while another delivery of the same account runs, nor while an
     * earlier one is pending or waiting for its retry: a Connection Deleted waits for its account's Connection
     * Created, however many attempts that takes. A delivery that ends dead no longer holds the later ones back. The
     * order is the order of receipt as far as the store has seen it: an earlier delivery stored only after a later
     * one of its account started runs after it. Each ordered delivery costs a take: it is stored due rather than
     * handed to a worker directly.
     *
     * @param orderPerLinkedAccount whether the deliveries of one linked account run one at a time, in order
     */
    public InboxOptions withOrderPerLinkedAccount(boolean orderPerLinkedAccount) {
        return new InboxOptions(retries, workers, pollInterval, executor, orderPerLinkedAccount);
    }
}
