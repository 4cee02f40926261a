package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.InboxOptions;
import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.idempotency.InboxStore;
import ai.refold.webhooks.idempotency.RetryPolicy;

import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * What the auto-configured receiver needs to run in inbox mode: the store and core's options, built from
 * {@code refold.webhooks.inbox.*} once the properties have been checked. Present only when the inbox is enabled.
 */
final class InboxMode {

    static final String PREFIX = "refold.webhooks.inbox.";

    private final InboxStore store;
    private final InboxOptions options;

    private InboxMode(InboxStore store, InboxOptions options) {
        this.store = store;
        this.options = options;
    }

    /**
     * Checks the properties and builds the options core takes, with the workers on {@code executor}.
     *
     * @throws RefoldInboxConfigurationException naming the property core refuses, or the modes that exclude each
     *                                           other
     */
    static InboxMode of(RefoldWebhookProperties properties, InboxStore store, Executor executor) {
        requireCompatible(properties);
        RefoldInboxProperties inbox = properties.getInbox();
        RefoldInboxProperties.Retry retry = inbox.getRetry();
        RetryPolicy defaults = RetryPolicy.defaults();
        int attempts = checked(PREFIX + "retry.max-attempts", () -> new RetryPolicy(retry.getMaxAttempts(),
                defaults.baseDelay(), defaults.maxDelay())).maxAttempts();
        RetryPolicy retries;
        try {
            retries = new RetryPolicy(attempts, retry.getInitialBackoff(), retry.getMaxBackoff());
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new RefoldInboxConfigurationException(PREFIX + "retry.initial-backoff and " + PREFIX
                    + "retry.max-backoff cannot be used together (each must be positive and at most 30 days, the"
                    + " initial backoff at most the maximum). (The values are not shown.)",
                    "Change " + PREFIX + "retry.initial-backoff or " + PREFIX + "retry.max-backoff.");
        }
        InboxOptions base = InboxOptions.defaults().withRetries(retries).withExecutor(executor)
                .withOrderPerLinkedAccount(inbox.isOrderPerLinkedAccount());
        InboxOptions workers = base.withWorkers(workers(inbox));
        InboxOptions options = checked(PREFIX + "poll-interval", () -> workers.withPollInterval(
                inbox.getPollInterval()));
        return new InboxMode(store, options);
    }

    /**
     * Refuses settings that inbox mode replaces: the inbox deduplicates by itself (so a JDBC idempotency table would
     * sit unused while looking authoritative), and it already answers 200 before handlers run, with retries that
     * acknowledge-fast would lose. Core refuses both combinations too; this names the properties.
     */
    static void requireCompatible(RefoldWebhookProperties properties) {
        if (!properties.getInbox().isEnabled()) {
            return;
        }
        if (properties.isAcknowledgeFast()) {
            throw new RefoldInboxConfigurationException("refold.webhooks.acknowledge-fast and " + PREFIX
                    + "enabled are both true. The inbox already answers 200 once a delivery is stored and runs its"
                    + " handlers afterwards, retrying failures; acknowledge-fast would answer before anything is"
                    + " stored.", "Remove refold.webhooks.acknowledge-fast (the inbox replaces it), or set "
                    + PREFIX + "enabled=false.");
        }
        if (properties.getIdempotency().getStore() == RefoldWebhookProperties.Store.JDBC) {
            throw new RefoldInboxConfigurationException("refold.webhooks.idempotency.store=jdbc and " + PREFIX
                    + "enabled=true are both set. In inbox mode the inbox table deduplicates deliveries, so the"
                    + " idempotency table would never be used.", "Remove refold.webhooks.idempotency.store (and the"
                    + " other refold.webhooks.idempotency.* properties); set " + PREFIX + "store=jdbc to keep the"
                    + " inbox in the DataSource.");
        }
    }

    /**
     * Refuses the application's {@code IdempotencyStore} beans: the inbox keeps one row per event and deduplicates by
     * itself, so the receiver would never use them. Core refuses a receiver given both too; this names the beans.
     *
     * @param beanNames the IdempotencyStore beans; in inbox mode the starter defines none itself
     */
    static void refuseIdempotencyStores(String[] beanNames) {
        if (beanNames.length == 0) {
            return;
        }
        throw new RefoldInboxConfigurationException("the application defines an IdempotencyStore bean ("
                + String.join(", ", beanNames) + ") and " + PREFIX + "enabled=true. In inbox mode the inbox store"
                + " keeps one row per event and deduplicates deliveries itself, so the receiver would never use that"
                + " IdempotencyStore.", "Remove the IdempotencyStore bean (to keep the inbox in a store of your own,"
                + " define an InboxStore bean instead), or set " + PREFIX + "enabled=false to deduplicate with it.");
    }

    /** Returns how many workers to run, as checked by core; the executor is sized before the options are built. */
    static int workers(RefoldInboxProperties inbox) {
        return checked(PREFIX + "workers", () -> InboxOptions.defaults().withWorkers(inbox.getWorkers())).workers();
    }

    // Core validates; a refusal is reported under the property's name, without the value core quoted.
    private static <T> T checked(String property, Supplier<T> build) {
        try {
            return build.get();
        } catch (IllegalArgumentException e) {
            throw RefoldInboxConfigurationException.refused(property, e);
        } catch (NullPointerException e) {
            throw new RefoldInboxConfigurationException(property + " is empty.",
                    "Set " + property + ", or remove it to use the default.");
        }
    }

    /** Puts the receiver in inbox mode; it then needs no idempotency store. */
    void applyTo(WebhookReceiver.Builder builder) {
        builder.inbox(store, options);
    }

    InboxStore store() {
        return store;
    }

    InboxOptions options() {
        return options;
    }
}
