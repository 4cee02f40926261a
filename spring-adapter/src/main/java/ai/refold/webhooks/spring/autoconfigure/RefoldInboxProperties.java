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

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public RefoldWebhookProperties.Store getStore() {
        return store;
    }

    public void setStore(RefoldWebhookProperties.Store store) {
        this.store = store;
    }

    public int getMaximumSize() {
        return maximumSize;
    }

    public void setMaximumSize(int maximumSize) {
        this.maximumSize = maximumSize;
    }

    public int getWorkers() {
        return workers;
    }

    public void setWorkers(int workers) {
        this.workers = workers;
    }

    public Duration getPollInterval() {
        return pollInterval;
    }

    public void setPollInterval(Duration pollInterval) {
        this.pollInterval = pollInterval;
    }

    public Duration getPurgeInterval() {
        return purgeInterval;
    }

    public void setPurgeInterval(Duration purgeInterval) {
        this.purgeInterval = purgeInterval;
    }

    public int getPurgeBatchSize() {
        return purgeBatchSize;
    }

    public void setPurgeBatchSize(int purgeBatchSize) {
        this.purgeBatchSize = purgeBatchSize;
    }

    public Retry getRetry() {
        return retry;
    }

    public Jdbc getJdbc() {
        return jdbc;
    }

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
         * How many attempts a delivery gets in all, the first included; after the last one fails it is dead.
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

        public int getMaxAttempts() {
            return maxAttempts;
        }

        public void setMaxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
        }

        public Duration getInitialBackoff() {
            return initialBackoff;
        }

        public void setInitialBackoff(Duration initialBackoff) {
            this.initialBackoff = initialBackoff;
        }

        public Duration getMaxBackoff() {
            return maxBackoff;
        }

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

        public String getTableName() {
            return tableName;
        }

        public void setTableName(String tableName) {
            this.tableName = tableName;
        }

        public boolean isCreateTable() {
            return createTable;
        }

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

        public Duration getMaxDueAge() {
            return maxDueAge;
        }

        public void setMaxDueAge(Duration maxDueAge) {
            this.maxDueAge = maxDueAge;
        }
    }
}
