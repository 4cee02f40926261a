package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.InboxOptions;
import ai.refold.webhooks.idempotency.InMemoryInboxStore;
import ai.refold.webhooks.idempotency.JdbcInboxStore;
import ai.refold.webhooks.idempotency.RetryPolicy;

import java.time.Duration;

/**
 * Inbox mode, under {@code refold.webhooks.inbox}: each verified delivery is stored before it is answered 200, and
 * workers run its handlers with retries, keeping what never succeeds as a dead letter. Defaults are core's
 * ({@link InboxOptions}, {@link RetryPolicy#defaults()}, {@link JdbcInboxStore}, {@link InMemoryInboxStore}); the
 * configuration metadata repeats them, checked against these initializers by a test.
 */
public class RefoldInboxProperties {

    private static final RetryPolicy RETRIES = RetryPolicy.defaults();

    /**
     * Whether to store each verified delivery before answering 200 and run its handlers from workers, with retries
     * and dead letters. The inbox then deduplicates in place of the idempotency store, and cannot be combined with
     * acknowledge-fast.
     */
    private boolean enabled = false;

    /**
     * Store holding the inbox: jdbc keeps deliveries in a table of the application's DataSource, shared by every
     * instance and surviving restarts; memory keeps them in this JVM only, and a crash loses them.
     */
    private RefoldWebhookProperties.Store store = RefoldWebhookProperties.Store.JDBC;

    /**
     * Most deliveries the in-memory inbox holds; past it, once no handled delivery can be forgotten, deliveries are
     * answered 503 and Refold retries them.
     */
    private int maximumSize = InMemoryInboxStore.DEFAULT_MAXIMUM_SIZE;

    /**
     * How many deliveries this instance runs at a time, each on its own worker thread.
     */
    private int workers = InboxOptions.DEFAULT_WORKERS;

    /**
     * How often idle workers look for deliveries stored by other instances or due again; a delivery stored by this
     * instance is run at once.
     */
    private Duration pollInterval = InboxOptions.DEFAULT_POLL_INTERVAL;

    /**
     * Whether the deliveries of one linked account run one at a time, in the order they were received: a later one
     * waits while an earlier one is pending, running or waiting for its retry.
     */
    private boolean orderPerLinkedAccount;

    /**
     * How often handled deliveries whose retention (refold.webhooks.retention) ran out are deleted; zero or negative
     * to never delete them.
     */
    private Duration purgeInterval = Duration.ofHours(1);

    /**
     * Most handled deliveries deleted by one purge statement.
     */
    private int purgeBatchSize = 1000;

    private final Retry retry = new Retry();

    private final Jdbc jdbc = new Jdbc();

    private final Health health = new Health();

    /** Creates properties holding the defaults; Spring Boot binds {@code refold.webhooks.inbox.*} onto them. */
    public RefoldInboxProperties() {
    }

    /**
     * {@return whether inbox mode is on: each verified delivery is stored before it is answered 200, and workers
     * run its handlers} Property {@code refold.webhooks.inbox.enabled}.
     */
    public boolean isEnabled() {
        return enabled;
    }

    /**
     * Sets whether inbox mode is on: each verified delivery is stored before it is answered 200, and workers run its
     * handlers. Property {@code refold.webhooks.inbox.enabled}.
     *
     * @param enabled whether to turn inbox mode on
     */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /**
     * {@return the store holding the inbox: jdbc (shared and durable) or memory (this JVM only)} Property
     * {@code refold.webhooks.inbox.store}.
     */
    public RefoldWebhookProperties.Store getStore() {
        return store;
    }

    /**
     * Sets the store holding the inbox: jdbc (shared and durable) or memory (this JVM only). Property
     * {@code refold.webhooks.inbox.store}.
     *
     * @param store where the inbox keeps deliveries
     */
    public void setStore(RefoldWebhookProperties.Store store) {
        this.store = store;
    }

    /** {@return the most deliveries the in-memory inbox holds} Property {@code refold.webhooks.inbox.maximum-size}. */
    public int getMaximumSize() {
        return maximumSize;
    }

    /**
     * Sets the most deliveries the in-memory inbox holds. Property {@code refold.webhooks.inbox.maximum-size}.
     *
     * @param maximumSize the most deliveries held, at least 1
     */
    public void setMaximumSize(int maximumSize) {
        this.maximumSize = maximumSize;
    }

    /** {@return how many deliveries this instance runs at a time} Property {@code refold.webhooks.inbox.workers}. */
    public int getWorkers() {
        return workers;
    }

    /**
     * Sets how many deliveries this instance runs at a time. Property {@code refold.webhooks.inbox.workers}.
     *
     * @param workers how many workers this instance runs, 1 to 256
     */
    public void setWorkers(int workers) {
        this.workers = workers;
    }

    /**
     * {@return how often idle workers look for deliveries stored by other instances or due again} Property
     * {@code refold.webhooks.inbox.poll-interval}.
     */
    public Duration getPollInterval() {
        return pollInterval;
    }

    /**
     * Sets how often idle workers look for deliveries stored by other instances or due again. Property
     * {@code refold.webhooks.inbox.poll-interval}.
     *
     * @param pollInterval how often idle workers look for due deliveries
     */
    public void setPollInterval(Duration pollInterval) {
        this.pollInterval = pollInterval;
    }

    /**
     * {@return whether the deliveries of one linked account run one at a time, in the order they were received}
     * Property {@code refold.webhooks.inbox.order-per-linked-account}.
     */
    public boolean isOrderPerLinkedAccount() {
        return orderPerLinkedAccount;
    }

    /**
     * Sets whether the deliveries of one linked account run one at a time, in the order they were received. Property
     * {@code refold.webhooks.inbox.order-per-linked-account}.
     *
     * @param orderPerLinkedAccount whether a linked account's deliveries run one at a time, in order
     */
    public void setOrderPerLinkedAccount(boolean orderPerLinkedAccount) {
        this.orderPerLinkedAccount = orderPerLinkedAccount;
    }

    /**
     * {@return how often handled deliveries whose retention ran out are deleted; zero or negative to never delete them}
     * Property {@code refold.webhooks.inbox.purge-interval}.
     */
    public Duration getPurgeInterval() {
        return purgeInterval;
    }

    /**
     * Sets how often handled deliveries whose retention ran out are deleted; zero or negative to never delete them.
     * Property {@code refold.webhooks.inbox.purge-interval}.
     *
     * @param purgeInterval how often handled deliveries are purged
     */
    public void setPurgeInterval(Duration purgeInterval) {
        this.purgeInterval = purgeInterval;
    }

    /**
     * {@return the most handled deliveries deleted by one purge statement} Property
     * {@code refold.webhooks.inbox.purge-batch-size}.
     */
    public int getPurgeBatchSize() {
        return purgeBatchSize;
    }

    /**
     * Sets the most handled deliveries deleted by one purge statement. Property
     * {@code refold.webhooks.inbox.purge-batch-size}.
     *
     * @param purgeBatchSize the most rows one purge statement deletes
     */
    public void setPurgeBatchSize(int purgeBatchSize) {
        this.purgeBatchSize = purgeBatchSize;
    }

    /** {@return when failed deliveries are tried again, under {@code refold.webhooks.inbox.retry}} */
    public Retry getRetry() {
        return retry;
    }

    /** {@return the JDBC inbox's table, under {@code refold.webhooks.inbox.jdbc}} */
    public Jdbc getJdbc() {
        return jdbc;
    }

    /** {@return the health indicator's settings, under {@code refold.webhooks.inbox.health}} */
    public Health getHealth() {
        return health;
    }

    @Override
    public String toString() {
        return "inbox[enabled=" + enabled + ", store=" + store + ", workers=" + workers + "]";
    }

    /** When a delivery whose handlers failed is tried again. */
    public static class Retry {

        /**
         * How many attempts a delivery gets in all, the first included, and those lost with an instance that stopped
         * mid-run; after the last one fails or is lost it is dead.
         */
        private int maxAttempts = RETRIES.maxAttempts();

        /**
         * Longest wait after the first failure; the longest wait doubles with each further failure, and each wait is
         * drawn at random up to it.
         */
        private Duration initialBackoff = RETRIES.baseDelay();

        /**
         * Longest wait between two attempts, however many have failed.
         */
        private Duration maxBackoff = RETRIES.maxDelay();

        /** Creates settings holding {@link RetryPolicy#defaults()}. */
        public Retry() {
        }

        /**
         * {@return how many attempts a delivery gets in all, the first included} Property
         * {@code refold.webhooks.inbox.retry.max-attempts}.
         */
        public int getMaxAttempts() {
            return maxAttempts;
        }

        /**
         * Sets how many attempts a delivery gets in all, the first included. Property
         * {@code refold.webhooks.inbox.retry.max-attempts}.
         *
         * @param maxAttempts how many attempts in all, 1 to 1,000
         */
        public void setMaxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
        }

        /**
         * {@return the longest wait after the first failure, doubling with each further failure} Property
         * {@code refold.webhooks.inbox.retry.initial-backoff}.
         */
        public Duration getInitialBackoff() {
            return initialBackoff;
        }

        /**
         * Sets the longest wait after the first failure, doubling with each further failure. Property
         * {@code refold.webhooks.inbox.retry.initial-backoff}.
         *
         * @param initialBackoff the longest wait after the first failure
         */
        public void setInitialBackoff(Duration initialBackoff) {
            this.initialBackoff = initialBackoff;
        }

        /**
         * {@return the longest wait between two attempts, however many have failed} Property
         * {@code refold.webhooks.inbox.retry.max-backoff}.
         */
        public Duration getMaxBackoff() {
            return maxBackoff;
        }

        /**
         * Sets the longest wait between two attempts, however many have failed. Property
         * {@code refold.webhooks.inbox.retry.max-backoff}.
         *
         * @param maxBackoff the longest wait between two attempts
         */
        public void setMaxBackoff(Duration maxBackoff) {
            this.maxBackoff = maxBackoff;
        }
    }

    /** The JDBC inbox's table. */
    public static class Jdbc {

        /**
         * Table holding one row per delivery.
         */
        private String tableName = JdbcInboxStore.DEFAULT_TABLE_NAME;

        /**
         * Whether to create the table on first use if it does not exist.
         */
        private boolean createTable = false;

        /** Creates settings holding the defaults. */
        public Jdbc() {
        }

        /** {@return the table holding one row per delivery} Property {@code refold.webhooks.inbox.jdbc.table-name}. */
        public String getTableName() {
            return tableName;
        }

        /**
         * Sets the table holding one row per delivery. Property {@code refold.webhooks.inbox.jdbc.table-name}.
         *
         * @param tableName the table's name, a plain SQL identifier
         */
        public void setTableName(String tableName) {
            this.tableName = tableName;
        }

        /**
         * {@return whether the table is created on first use if it does not exist} Property
         * {@code refold.webhooks.inbox.jdbc.create-table}.
         */
        public boolean isCreateTable() {
            return createTable;
        }

        /**
         * Sets whether the table is created on first use if it does not exist. Property
         * {@code refold.webhooks.inbox.jdbc.create-table}.
         *
         * @param createTable whether to create a missing table
         */
        public void setCreateTable(boolean createTable) {
            this.createTable = createTable;
        }
    }

    /** The refoldInbox health indicator. */
    public static class Health {

        /**
         * How long the oldest due delivery may wait for a worker before the health indicator reports
         * OUT_OF_SERVICE: workers that fall this far behind are stuck or too few.
         */
        private Duration maxDueAge = Duration.ofMinutes(10);

        /** Creates settings holding the defaults. */
        public Health() {
        }

        /**
         * {@return how long the oldest due delivery may wait for a worker before the health indicator reports
         * OUT_OF_SERVICE} Property {@code refold.webhooks.inbox.health.max-due-age}.
         */
        public Duration getMaxDueAge() {
            return maxDueAge;
        }

        /**
         * Sets how long the oldest due delivery may wait for a worker before the health indicator reports
         * OUT_OF_SERVICE. Property {@code refold.webhooks.inbox.health.max-due-age}.
         *
         * @param maxDueAge how long a due delivery may wait before the inbox is unhealthy
         */
        public void setMaxDueAge(Duration maxDueAge) {
            this.maxDueAge = maxDueAge;
        }
    }
}
