package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.idempotency.InMemoryInboxStore;
import ai.refold.webhooks.idempotency.InboxStats;
import ai.refold.webhooks.idempotency.InboxStore;
import ai.refold.webhooks.idempotency.JdbcInboxStore;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executor;

import javax.sql.DataSource;

/**
 * Inbox mode ({@code refold.webhooks.inbox.enabled=true}), imported by {@link RefoldWebhookAutoConfiguration}: the
 * {@link InboxStore}, the workers' executor, the purge of handled deliveries, and, when their libraries are present,
 * the {@code refoldinbox} endpoint, the {@code refoldInbox} health indicator (one class per Boot line's health API)
 * and the inbox's meters. Every bean backs off when the application defines its own.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnRefoldSetting(name = "refold.webhooks.inbox.enabled", havingValue = "true")
class RefoldInboxConfiguration {

    static final String EXECUTOR_BEAN = "refoldInboxExecutor";

    private static final String STORE_BEAN = "refoldInboxStore";

    // Spring Boot's switches for a health indicator, honoured as its own indicators honour them.
    private static final String HEALTH_SWITCH = "management.health.refoldinbox.enabled";
    private static final String HEALTH_DEFAULTS_SWITCH = "management.health.defaults.enabled";

    @Bean
    @ConditionalOnMissingBean
    InboxStore refoldInboxStore(RefoldWebhookProperties properties, ObjectProvider<DataSource> dataSource) {
        InboxMode.requireCompatible(properties);
        RefoldInboxProperties inbox = properties.getInbox();
        if (inbox.getStore() == RefoldWebhookProperties.Store.MEMORY) {
            try {
                return InMemoryInboxStore.builder().maximumSize(inbox.getMaximumSize()).build();
            } catch (IllegalArgumentException e) {
                throw RefoldInboxConfigurationException.refused(InboxMode.PREFIX + "maximum-size", e);
            }
        }
        DataSource source = dataSource.getIfUnique();
        if (source == null) {
            throw new RefoldInboxConfigurationException(InboxMode.PREFIX + "store=jdbc needs exactly one DataSource"
                    + " bean.", "Configure spring.datasource.* (or declare one DataSource bean), or set "
                    + InboxMode.PREFIX + "store=memory for a single instance that may lose stored deliveries when it"
                    + " crashes.");
        }
        JdbcInboxStore.Builder builder = JdbcInboxStore.builder().dataSource(source)
                .createTableIfMissing(inbox.getJdbc().isCreateTable());
        try {
            builder.tableName(inbox.getJdbc().getTableName());
        } catch (IllegalArgumentException | NullPointerException e) {
            throw RefoldInboxConfigurationException.refused(InboxMode.PREFIX + "jdbc.table-name",
                    new IllegalArgumentException("it must be a plain SQL identifier of at most 47 characters"));
        }
        return builder.build();
    }

    // A table-name that names no table would have every delivery answered 503: checked once every bean is in place.
    @Bean
    StoreTableCheck refoldInboxTableCheck(RefoldWebhookProperties properties, ListableBeanFactory beans) {
        String table = InboxMode.PREFIX + "jdbc.table-name";
        String create = InboxMode.PREFIX + "jdbc.create-table";
        return new StoreTableCheck(() -> properties.getInbox().getJdbc().isCreateTable()
                || !beans.containsBean(STORE_BEAN) || !(beans.getBean(STORE_BEAN) instanceof JdbcInboxStore jdbc)
                ? Optional.empty() : Optional.of(jdbc::oldestDue),
                state -> new RefoldInboxConfigurationException(table + " " + StoreTableCheck.problem(state),
                        StoreTableCheck.action(table, create, "inbox-schema-postgresql.sql or inbox-schema-h2.sql")));
    }

    // One long-lived thread per worker; stopped only after the receiver has closed (see RefoldTaskExecutors).
    @Bean(name = EXECUTOR_BEAN)
    @ConditionalOnMissingBean(name = EXECUTOR_BEAN)
    ThreadPoolTaskExecutor refoldInboxExecutor(RefoldWebhookProperties properties) {
        return RefoldTaskExecutors.inboxWorkers(InboxMode.workers(properties.getInbox()));
    }

    @Bean
    InboxMode refoldInboxMode(RefoldWebhookProperties properties, InboxStore store,
                              @Qualifier(EXECUTOR_BEAN) Executor executor) {
        return InboxMode.of(properties, store, executor);
    }

    @Bean
    @ConditionalOnMissingBean
    InboxPurgeScheduler refoldInboxPurgeScheduler(InboxStore store, RefoldWebhookProperties properties) {
        if (properties.getInbox().getPurgeBatchSize() < 1) {
            throw RefoldInboxConfigurationException.refused(InboxMode.PREFIX + "purge-batch-size",
                    new IllegalArgumentException("it must be at least 1"));
        }
        return new InboxPurgeScheduler(store, properties.getInbox());
    }

    @Bean
    InboxReading<InboxStats> refoldInboxStats(InboxStore store) {
        return new InboxReading<>(store::stats, Clock.systemUTC());
    }

    @Bean
    InboxHealth refoldInboxHealth(InboxStore store, RefoldWebhookProperties properties) {
        Duration maxDueAge = properties.getInbox().getHealth().getMaxDueAge();
        if (maxDueAge == null || maxDueAge.isNegative() || maxDueAge.isZero()) {
            throw RefoldInboxConfigurationException.refused(InboxMode.PREFIX + "health.max-due-age",
                    new IllegalArgumentException("it must be positive"));
        }
        return new InboxHealth(new InboxReading<>(InboxHealth.reading(store), Clock.systemUTC()), maxDueAge);
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthIndicator")
    static class Boot3HealthConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "refoldInboxHealthIndicator")
        @ConditionalOnRefoldSetting(name = HEALTH_SWITCH, fallback = HEALTH_DEFAULTS_SWITCH, matchIfMissing = true)
        Boot3InboxHealthIndicator refoldInboxHealthIndicator(InboxHealth health) {
            return new Boot3InboxHealthIndicator(health);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
    static class Boot4HealthConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "refoldInboxHealthIndicator")
        @ConditionalOnRefoldSetting(name = HEALTH_SWITCH, fallback = HEALTH_DEFAULTS_SWITCH, matchIfMissing = true)
        Boot4InboxHealthIndicator refoldInboxHealthIndicator(InboxHealth health) {
            return new Boot4InboxHealthIndicator(health);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
    static class MetricsConfiguration {

        @Bean
        @ConditionalOnBean(MeterRegistry.class)
        @ConditionalOnMissingBean
        RefoldInboxMetrics refoldInboxMetrics(MeterRegistry registry, InboxReading<InboxStats> stats) {
            return new RefoldInboxMetrics(registry, stats);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"org.springframework.boot.actuate.endpoint.annotation.Endpoint",
        "org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint"})
    static class EndpointConfiguration {

        @Bean
        @ConditionalOnAvailableEndpoint(endpoint = RefoldInboxEndpoint.class)
        @ConditionalOnMissingBean
        RefoldInboxEndpoint refoldInboxEndpoint(InboxStore store, ObjectProvider<InboxReplayCounter> counter) {
            return new RefoldInboxEndpoint(store, Clock.systemUTC(),
                    count -> counter.ifAvailable(replays -> replays.replayed(count)));
        }
    }
}
