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
     * Path, within the application, that receives deliveries.
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
     * whose handlers have not started.
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

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public Map<String, String> getKeys() {
        return keys;
    }

    public void setKeys(Map<String, String> keys) {
        this.keys = keys;
    }

    public String getPath() {
        return path;
    }

    public void setPath(String path) {
        this.path = path;
    }

    public DataSize getMaxBodySize() {
        return maxBodySize;
    }

    public void setMaxBodySize(DataSize maxBodySize) {
        this.maxBodySize = maxBodySize;
    }

    public Duration getReadDeadline() {
        return readDeadline;
    }

    public void setReadDeadline(Duration readDeadline) {
        this.readDeadline = readDeadline;
    }

    public DataSize getBodyBudget() {
        return bodyBudget;
    }

    public void setBodyBudget(DataSize bodyBudget) {
        this.bodyBudget = bodyBudget;
    }

    public boolean isAllowNoHandlers() {
        return allowNoHandlers;
    }

    public void setAllowNoHandlers(boolean allowNoHandlers) {
        this.allowNoHandlers = allowNoHandlers;
    }

    public Duration getLease() {
        return lease;
    }

    public void setLease(Duration lease) {
        this.lease = lease;
    }

    public Duration getRetention() {
        return retention;
    }

    public void setRetention(Duration retention) {
        this.retention = retention;
    }

    public Duration getContentKeyRetention() {
        return contentKeyRetention;
    }

    public void setContentKeyRetention(Duration contentKeyRetention) {
        this.contentKeyRetention = contentKeyRetention;
    }

    public Duration getRetryWindow() {
        return retryWindow;
    }

    public void setRetryWindow(Duration retryWindow) {
        this.retryWindow = retryWindow;
    }

    public Duration getShutdownTimeout() {
        return shutdownTimeout;
    }

    public void setShutdownTimeout(Duration shutdownTimeout) {
        this.shutdownTimeout = shutdownTimeout;
    }

    public boolean isAcknowledgeFast() {
        return acknowledgeFast;
    }

    public void setAcknowledgeFast(boolean acknowledgeFast) {
        this.acknowledgeFast = acknowledgeFast;
    }

    public int getFilterOrder() {
        return filterOrder;
    }

    public void setFilterOrder(int filterOrder) {
        this.filterOrder = filterOrder;
    }

    public Idempotency getIdempotency() {
        return idempotency;
    }

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

        public Store getStore() {
            return store;
        }

        public void setStore(Store store) {
            this.store = store;
        }

        public int getMaximumSize() {
            return maximumSize;
        }

        public void setMaximumSize(int maximumSize) {
            this.maximumSize = maximumSize;
        }

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
    }
}
