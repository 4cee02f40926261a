package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.idempotency.InMemoryIdempotencyStore;
import ai.refold.webhooks.idempotency.JdbcIdempotencyStore;
import ai.refold.webhooks.servlet.RefoldWebhookFilter;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;
import org.springframework.core.Ordered;
import org.springframework.util.unit.DataSize;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Configuration of the Refold webhook receiver, under {@code refold.webhooks}.
 */
@ConfigurationProperties(prefix = "refold.webhooks")
public class RefoldWebhookProperties {

    /**
     * Whether to receive Refold webhooks.
     */
    private boolean enabled = true;

    /**
     * Refold API keys that verify deliveries, by label, for example refold.webhooks.keys.test and
     * refold.webhooks.keys.live. A delivery is valid if any key verifies it; keep the old and the new key here while
     * rotating. Required: startup fails without one.
     */
    private Map<String, String> keys = new LinkedHashMap<>();

    /**
     * Path, within the application, that receives deliveries; it starts with a slash and holds no white space.
     */
    private String path = RefoldWebhookFilter.DEFAULT_PATH;

    /**
     * Largest body accepted; larger deliveries are answered 413.
     */
    private DataSize maxBodySize = DataSize.ofBytes(WebhookReceiver.DEFAULT_MAX_BODY_BYTES);

    /**
     * How long a delivery's body may take to arrive after its headers; a body still incomplete then is answered 408
     * and its connection closed, so that slow senders cannot hold connections.
     */
    private Duration readDeadline = WebhookReceiver.DEFAULT_READ_DEADLINE;

    /**
     * Most body bytes held at once across all deliveries being read or handled; a delivery the budget cannot hold
     * is answered 503 before its body is read. Keep it at least as large as max-body-size.
     */
    private DataSize bodyBudget = DataSize.ofBytes(WebhookReceiver.DEFAULT_BODY_BUDGET_BYTES);

    /**
     * Whether to start without any @RefoldWebhook method or other handler. Without a handler every verified event
     * is acknowledged and ignored, so startup fails unless this is set.
     */
    private boolean allowNoHandlers = false;

    /**
     * How long a claim holds, unless renewed, before another delivery of the same event may take it over. Claims are
     * renewed every third of it while handlers run, so it bounds how long a crashed instance delays a retry.
     */
    private Duration lease = WebhookReceiver.DEFAULT_LEASE;

    /**
     * How long a processed event is remembered; copies arriving within it are acknowledged as duplicates.
     */
    private Duration retention = WebhookReceiver.DEFAULT_RETENTION;

    /**
     * How long fingerprint keys of bodies without a natural key (custom templates) are remembered; two equal bodies
     * may be two events, so it should cover Refold's retries of one delivery and little more.
     */
    private Duration contentKeyRetention = WebhookReceiver.DEFAULT_CONTENT_KEY_RETENTION;

    /**
     * Span within which Refold's retries of one delivery are expected; startup warns when the lease or a retention
     * cannot cover it.
     */
    private Duration retryWindow = WebhookReceiver.DEFAULT_RETRY_WINDOW;

    /**
     * How long shutdown waits for deliveries in flight before releasing, with a warning naming each key, those
     * whose handlers have not started; zero does not wait. A negative value stops startup.
     */
    private Duration shutdownTimeout = WebhookReceiver.DEFAULT_SHUTDOWN_TIMEOUT;

    /**
     * Whether to answer 200 as soon as an event is claimed and run the handlers on an executor. A handler that then
     * fails is logged but not retried by Refold.
     */
    private boolean acknowledgeFast = false;

    /**
     * Order of the receiving filter among the servlet filters, or among the WebFilters of a WebFlux application; by
     * default before Spring Security's filter chain and anything that reads the body.
     */
    private int filterOrder = Ordered.HIGHEST_PRECEDENCE + 10;

    private final Idempotency idempotency = new Idempotency();

    @NestedConfigurationProperty
    private final RefoldInboxProperties inbox = new RefoldInboxProperties();

    /** Creates properties holding the defaults; Spring Boot binds {@code refold.webhooks.*} onto them. */
    public RefoldWebhookProperties() {
    }

    /** {@return whether to receive Refold webhooks; true by default} Property {@code refold.webhooks.enabled}. */
    public boolean isEnabled() {
        return enabled;
    }

    /**
     * Sets whether to receive Refold webhooks; true by default. Property {@code refold.webhooks.enabled}.
     *
     * @param enabled whether to receive Refold webhooks
     */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** {@return the Refold API keys that verify deliveries, by label} Property {@code refold.webhooks.keys}. */
    public Map<String, String> getKeys() {
        return keys;
    }

    /**
     * Sets the Refold API keys that verify deliveries, by label. Property {@code refold.webhooks.keys}.
     *
     * @param keys the API keys by label, for example {@code live} and {@code test}
     */
    public void setKeys(Map<String, String> keys) {
        this.keys = keys;
    }

    /** {@return the path, within the application, that receives deliveries} Property {@code refold.webhooks.path}. */
    public String getPath() {
        return path;
    }

    /**
     * Sets the path, within the application, that receives deliveries. Property {@code refold.webhooks.path}.
     *
     * @param path the path, starting with {@code /} and without white space
     */
    public void setPath(String path) {
        this.path = path;
    }

    /**
     * {@return the largest body accepted; larger deliveries are answered 413} Property
     * {@code refold.webhooks.max-body-size}.
     */
    public DataSize getMaxBodySize() {
        return maxBodySize;
    }

    /**
     * Sets the largest body accepted; larger deliveries are answered 413. Property
     * {@code refold.webhooks.max-body-size}.
     *
     * @param maxBodySize the largest body accepted
     */
    public void setMaxBodySize(DataSize maxBodySize) {
        this.maxBodySize = maxBodySize;
    }

    /**
     * {@return how long a delivery's body may take to arrive after its headers} Property
     * {@code refold.webhooks.read-deadline}.
     */
    public Duration getReadDeadline() {
        return readDeadline;
    }

    /**
     * Sets how long a delivery's body may take to arrive after its headers. Property
     * {@code refold.webhooks.read-deadline}.
     *
     * @param readDeadline how long a body may take to arrive
     */
    public void setReadDeadline(Duration readDeadline) {
        this.readDeadline = readDeadline;
    }

    /**
     * {@return the most body bytes held at once across all deliveries being read or handled} Property
     * {@code refold.webhooks.body-budget}.
     */
    public DataSize getBodyBudget() {
        return bodyBudget;
    }

    /**
     * Sets the most body bytes held at once across all deliveries being read or handled. Property
     * {@code refold.webhooks.body-budget}.
     *
     * @param bodyBudget the most body bytes held at once
     */
    public void setBodyBudget(DataSize bodyBudget) {
        this.bodyBudget = bodyBudget;
    }

    /**
     * {@return whether the application may start without any handler} Property
     * {@code refold.webhooks.allow-no-handlers}.
     */
    public boolean isAllowNoHandlers() {
        return allowNoHandlers;
    }

    /**
     * Sets whether the application may start without any handler. Property {@code refold.webhooks.allow-no-handlers}.
     *
     * @param allowNoHandlers whether a receiver without handlers is intended
     */
    public void setAllowNoHandlers(boolean allowNoHandlers) {
        this.allowNoHandlers = allowNoHandlers;
    }

    /**
     * {@return how long a claim holds, unless renewed, before another delivery of the same event may take it over}
     * Property {@code refold.webhooks.lease}.
     */
    public Duration getLease() {
        return lease;
    }

    /**
     * Sets how long a claim holds, unless renewed, before another delivery of the same event may take it over. Property
     * {@code refold.webhooks.lease}.
     *
     * @param lease how long a claim holds unless renewed
     */
    public void setLease(Duration lease) {
        this.lease = lease;
    }

    /**
     * {@return how long a processed event is remembered, so that later copies are duplicates} Property
     * {@code refold.webhooks.retention}.
     */
    public Duration getRetention() {
        return retention;
    }

    /**
     * Sets how long a processed event is remembered, so that later copies are duplicates. Property
     * {@code refold.webhooks.retention}.
     *
     * @param retention how long a processed event is remembered
     */
    public void setRetention(Duration retention) {
        this.retention = retention;
    }

    /**
     * {@return how long fingerprint keys of bodies without a natural key are remembered} Property
     * {@code refold.webhooks.content-key-retention}.
     */
    public Duration getContentKeyRetention() {
        return contentKeyRetention;
    }

    /**
     * Sets how long fingerprint keys of bodies without a natural key are remembered. Property
     * {@code refold.webhooks.content-key-retention}.
     *
     * @param contentKeyRetention how long fingerprint keys are remembered
     */
    public void setContentKeyRetention(Duration contentKeyRetention) {
        this.contentKeyRetention = contentKeyRetention;
    }

    /**
     * {@return the span within which Refold's retries of one delivery are expected} Property
     * {@code refold.webhooks.retry-window}.
     */
    public Duration getRetryWindow() {
        return retryWindow;
    }

    /**
     * Sets the span within which Refold's retries of one delivery are expected. Property
     * {@code refold.webhooks.retry-window}.
     *
     * @param retryWindow the span of Refold's retries of one delivery
     */
    public void setRetryWindow(Duration retryWindow) {
        this.retryWindow = retryWindow;
    }

    /** {@return how long shutdown waits for deliveries in flight} Property {@code refold.webhooks.shutdown-timeout}. */
    public Duration getShutdownTimeout() {
        return shutdownTimeout;
    }

    /**
     * Sets how long shutdown waits for deliveries in flight. Property {@code refold.webhooks.shutdown-timeout}.
     *
     * @param shutdownTimeout how long shutdown waits for deliveries in flight; zero does not wait, and a negative
     *                        value stops startup
     */
    public void setShutdownTimeout(Duration shutdownTimeout) {
        this.shutdownTimeout = shutdownTimeout;
    }

    /**
     * {@return whether deliveries are answered 200 once claimed and handled afterwards on an executor} Property
     * {@code refold.webhooks.acknowledge-fast}.
     */
    public boolean isAcknowledgeFast() {
        return acknowledgeFast;
    }

    /**
     * Sets whether deliveries are answered 200 once claimed and handled afterwards on an executor. Property
     * {@code refold.webhooks.acknowledge-fast}.
     *
     * @param acknowledgeFast whether to acknowledge before handling
     */
    public void setAcknowledgeFast(boolean acknowledgeFast) {
        this.acknowledgeFast = acknowledgeFast;
    }

    /**
     * {@return the order of the receiving filter among the servlet filters or WebFilters} Property
     * {@code refold.webhooks.filter-order}.
     */
    public int getFilterOrder() {
        return filterOrder;
    }

    /**
     * Sets the order of the receiving filter among the servlet filters or WebFilters. Property
     * {@code refold.webhooks.filter-order}.
     *
     * @param filterOrder the filter's order; lower runs earlier
     */
    public void setFilterOrder(int filterOrder) {
        this.filterOrder = filterOrder;
    }

    /** {@return the idempotency store's settings, under {@code refold.webhooks.idempotency}} */
    public Idempotency getIdempotency() {
        return idempotency;
    }

    /** {@return the inbox mode's settings, under {@code refold.webhooks.inbox}} */
    public RefoldInboxProperties getInbox() {
        return inbox;
    }

    @Override
    public String toString() {
        return "RefoldWebhookProperties[enabled=" + enabled + ", keys=" + keys.keySet() + " (values masked), path="
                + path + ", maxBodySize=" + maxBodySize + ", readDeadline=" + readDeadline + ", bodyBudget="
                + bodyBudget + ", allowNoHandlers=" + allowNoHandlers + ", lease=" + lease + ", retention=" + retention
                + ", acknowledgeFast=" + acknowledgeFast + ", store=" + idempotency.store + ", " + inbox + "]";
    }

    /** Where processed events are remembered. */
    public enum Store {
        /** In this JVM's memory: right for a single instance. */
        MEMORY,
        /** In a table of the application's DataSource: right for several instances. */
        JDBC
    }

    /** Idempotency store settings. */
    public static class Idempotency {

        /**
         * Store that deduplicates deliveries: memory for a single instance, jdbc to share the application's
         * DataSource across instances.
         */
        private Store store = Store.MEMORY;

        /**
         * Most events the in-memory store remembers; the oldest processed ones are forgotten first.
         */
        private int maximumSize = InMemoryIdempotencyStore.DEFAULT_MAXIMUM_SIZE;

        private final Jdbc jdbc = new Jdbc();

        /** Creates settings holding the defaults. */
        public Idempotency() {
        }

        /**
         * {@return the store that deduplicates deliveries: memory or jdbc} Property
         * {@code refold.webhooks.idempotency.store}.
         */
        public Store getStore() {
            return store;
        }

        /**
         * Sets the store that deduplicates deliveries: memory or jdbc. Property
         * {@code refold.webhooks.idempotency.store}.
         *
         * @param store where processed events are remembered
         */
        public void setStore(Store store) {
            this.store = store;
        }

        /**
         * {@return the most events the in-memory store remembers} Property
         * {@code refold.webhooks.idempotency.maximum-size}.
         */
        public int getMaximumSize() {
            return maximumSize;
        }

        /**
         * Sets the most events the in-memory store remembers. Property
         * {@code refold.webhooks.idempotency.maximum-size}.
         *
         * @param maximumSize the most events remembered, at least 1
         */
        public void setMaximumSize(int maximumSize) {
            this.maximumSize = maximumSize;
        }

        /** {@return the JDBC store's settings, under {@code refold.webhooks.idempotency.jdbc}} */
        public Jdbc getJdbc() {
            return jdbc;
        }
    }

    /** JDBC store settings. */
    public static class Jdbc {

        /**
         * Table holding one row per event.
         */
        private String tableName = JdbcIdempotencyStore.DEFAULT_TABLE_NAME;

        /**
         * Whether to create the table on first use if it does not exist.
         */
        private boolean createTable = false;

        /**
         * How often expired rows are purged; zero or negative to never purge.
         */
        private Duration purgeInterval = Duration.ofHours(1);

        /**
         * Most rows deleted by one purge statement.
         */
        private int purgeBatchSize = 1000;

        /** Creates settings holding the defaults. */
        public Jdbc() {
        }

        /**
         * {@return the table holding one row per event} Property {@code refold.webhooks.idempotency.jdbc.table-name}.
         */
        public String getTableName() {
            return tableName;
        }

        /**
         * Sets the table holding one row per event. Property {@code refold.webhooks.idempotency.jdbc.table-name}.
         *
         * @param tableName the table's name, a plain SQL identifier
         */
        public void setTableName(String tableName) {
            this.tableName = tableName;
        }

        /**
         * {@return whether the table is created on first use if it does not exist} Property
         * {@code refold.webhooks.idempotency.jdbc.create-table}.
         */
        public boolean isCreateTable() {
            return createTable;
        }

        /**
         * Sets whether the table is created on first use if it does not exist. Property
         * {@code refold.webhooks.idempotency.jdbc.create-table}.
         *
         * @param createTable whether to create a missing table
         */
        public void setCreateTable(boolean createTable) {
            this.createTable = createTable;
        }

        /**
         * {@return how often expired rows are purged; zero or negative to never purge} Property
         * {@code refold.webhooks.idempotency.jdbc.purge-interval}.
         */
        public Duration getPurgeInterval() {
            return purgeInterval;
        }

        /**
         * Sets how often expired rows are purged; zero or negative to never purge. Property
         * {@code refold.webhooks.idempotency.jdbc.purge-interval}.
         *
         * @param purgeInterval how often expired rows are purged
         */
        public void setPurgeInterval(Duration purgeInterval) {
            this.purgeInterval = purgeInterval;
        }

        /**
         * {@return the most rows deleted by one purge statement} Property
         * {@code refold.webhooks.idempotency.jdbc.purge-batch-size}.
         */
        public int getPurgeBatchSize() {
            return purgeBatchSize;
        }

        /**
         * Sets the most rows deleted by one purge statement. Property
         * {@code refold.webhooks.idempotency.jdbc.purge-batch-size}.
         *
         * @param purgeBatchSize the most rows one purge statement deletes, at least 1
         */
        public void setPurgeBatchSize(int purgeBatchSize) {
            this.purgeBatchSize = purgeBatchSize;
        }
    }
}
