package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.DeliveryListener;
import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.idempotency.IdempotencyStore;
import ai.refold.webhooks.idempotency.InMemoryIdempotencyStore;
import ai.refold.webhooks.idempotency.JdbcIdempotencyStore;
import ai.refold.webhooks.signature.InvalidKeyLabelException;
import ai.refold.webhooks.signature.SigningKey;
import ai.refold.webhooks.servlet.RefoldWebhookFilter;
import ai.refold.webhooks.spring.RefoldWebhookMethodProcessor;
import ai.refold.webhooks.webflux.RefoldWebhookWebFilter;

import io.micrometer.core.instrument.MeterRegistry;

import jakarta.servlet.DispatcherType;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.NoneNestedConditions;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.util.unit.DataSize;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

import javax.sql.DataSource;

/**
 * Receives Refold webhooks in a web application: a {@link WebhookReceiver} built from {@code refold.webhooks.*}
 * properties whose handlers are the application's {@code @RefoldWebhook} methods, and what answers deliveries on
 * {@code refold.webhooks.path}: the servlet filter in a servlet application, the WebFlux {@code WebFilter} in a
 * reactive one. Every bean backs off when the application defines its own. Outside a web application nothing is
 * registered and {@link RefoldWebhookNonWebAutoConfiguration} says so.
 */
@AutoConfiguration(afterName = {
    "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",
    "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
    "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"
})
@ConditionalOnWebApplication
@ConditionalOnRefoldSetting(name = "refold.webhooks.enabled", matchIfMissing = true)
@EnableConfigurationProperties(RefoldWebhookProperties.class)
public class RefoldWebhookAutoConfiguration {

    static final String EXECUTOR_BEAN = "refoldWebhookExecutor";

    private static final String STORE_BEAN = "refoldIdempotencyStore";

    private static final String PREFIX = "refold.webhooks.";

    /** Created by Spring Boot when it applies the auto-configuration; applications do not call it. */
    public RefoldWebhookAutoConfiguration() {
    }

    @Bean
    @ConditionalOnMissingBean
    static RefoldWebhookMethodProcessor refoldWebhookMethodProcessor() {
        return new RefoldWebhookMethodProcessor();
    }

    @Bean
    @Conditional(WithoutInbox.class)
    @ConditionalOnMissingBean
    IdempotencyStore refoldIdempotencyStore(RefoldWebhookProperties properties,
                                            ObjectProvider<DataSource> dataSource) {
        InboxMode.requireCompatible(properties);
        RefoldWebhookProperties.Idempotency idempotency = properties.getIdempotency();
        if (idempotency.getStore() == RefoldWebhookProperties.Store.JDBC) {
            DataSource source = dataSource.getIfUnique();
            if (source == null) {
                throw new IllegalStateException("refold.webhooks.idempotency.store=jdbc needs exactly one DataSource"
                        + " bean (configure spring.datasource.*)");
            }
            JdbcIdempotencyStore.Builder jdbc = JdbcIdempotencyStore.builder().dataSource(source)
                    .createTableIfMissing(idempotency.getJdbc().isCreateTable());
            set(PREFIX + "idempotency.jdbc.table-name", idempotency.getJdbc().getTableName(), jdbc::tableName);
            return jdbc.build();
        }
        InMemoryIdempotencyStore.Builder memory = InMemoryIdempotencyStore.builder();
        set(PREFIX + "idempotency.maximum-size", idempotency.getMaximumSize(), memory::maximumSize);
        return memory.build();
    }

    // Bounded: when the queue is full the delivery is refused with 503 and Refold retries it later.
    @Bean(name = EXECUTOR_BEAN)
    @ConditionalOnRefoldSetting(name = "refold.webhooks.acknowledge-fast", havingValue = "true")
    @ConditionalOnMissingBean(name = EXECUTOR_BEAN)
    ThreadPoolTaskExecutor refoldWebhookExecutor(RefoldWebhookProperties properties) {
        return RefoldTaskExecutors.acknowledgeFast(Math.max(2, Runtime.getRuntime().availableProcessors()),
                RefoldTaskExecutors.ACKNOWLEDGE_FAST_QUEUE);
    }

    @Bean
    @ConditionalOnMissingBean
    WebhookReceiver refoldWebhookReceiver(RefoldWebhookProperties properties, ObjectProvider<IdempotencyStore> store,
                                          RefoldWebhookMethodProcessor handlers,
                                          ObjectProvider<DeliveryListener> listeners,
                                          ObjectProvider<RefoldWebhookReceiverCustomizer> customizers,
                                          @Qualifier(EXECUTOR_BEAN) ObjectProvider<java.util.concurrent.Executor> executor,
                                          ObjectProvider<InboxMode> inbox, ListableBeanFactory beans) {
        if (properties.getKeys().isEmpty()) {
            throw new MissingRefoldApiKeyException("No Refold API key is configured: set refold.webhooks.keys.<label>");
        }
        WebhookReceiver.Builder builder = WebhookReceiver.builder();
        properties.getKeys().forEach((label, apiKey) -> {
            String property = "refold.webhooks.keys." + label;
            try {
                builder.signingKey(SigningKey.of(label, apiKey == null ? "" : apiKey, property));
            } catch (InvalidKeyLabelException e) {
                // A label is the property's own name, not a secret: its refusal is no advice about the key.
                throw new RefoldWebhookConfigurationException(property, "names its key with a label the receiver"
                        + " cannot use: " + e.getMessage(), "Give the key a short label of printable characters,"
                        + " such as refold.webhooks.keys.live.");
            } catch (IllegalArgumentException e) {
                throw new MissingRefoldApiKeyException(property, e.getMessage());
            }
        });
        applySettings(builder, properties);
        // In inbox mode the inbox deduplicates, in place of the idempotency store; an application's store would be
        // ignored, so it stops startup instead.
        InboxMode inboxMode = inbox.getIfAvailable();
        if (inboxMode != null) {
            InboxMode.refuseIdempotencyStores(beans.getBeanNamesForType(IdempotencyStore.class, true, false));
            inboxMode.applyTo(builder);
        } else {
            builder.idempotencyStore(store.getObject());
        }
        handlers.registerHandlers(builder);
        listeners.orderedStream().forEach(builder::listener);
        if (properties.isAcknowledgeFast()) {
            builder.acknowledgeFast(executor.getObject());
        }
        if (properties.isAllowNoHandlers()) {
            builder.allowNoHandlers();
        }
        customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
        try {
            return builder.build();
        } catch (IllegalStateException e) {
            if (builder.hasHandlers()) {
                throw e;
            }
            // Core refused a receiver without handlers; the analyzer explains it in Spring's terms.
            throw new NoRefoldWebhookHandlerException(e.getMessage(), e);
        }
    }

    // Core checks each value; a refusal names the property, so that no message speaks of a builder the user never saw.
    private static void applySettings(WebhookReceiver.Builder builder, RefoldWebhookProperties properties) {
        DataSize maxBody = properties.getMaxBodySize();
        if (maxBody.toBytes() <= 0 || maxBody.toBytes() > Integer.MAX_VALUE) {
            throw new RefoldWebhookConfigurationException(PREFIX + "max-body-size",
                    "must be between 1B and 2GB but was " + maxBody);
        }
        DataSize bodyBudget = properties.getBodyBudget();
        if (bodyBudget.toBytes() <= 0) {
            throw new RefoldWebhookConfigurationException(PREFIX + "body-budget", "must be positive but was "
                    + bodyBudget);
        }
        set(PREFIX + "max-body-size", (int) maxBody.toBytes(), builder::maxBodyBytes);
        set(PREFIX + "body-budget", bodyBudget.toBytes(), builder::bodyBudget);
        set(PREFIX + "read-deadline", properties.getReadDeadline(), builder::readDeadline);
        set(PREFIX + "lease", properties.getLease(), builder::lease);
        set(PREFIX + "retention", properties.getRetention(), builder::retention);
        set(PREFIX + "content-key-retention", properties.getContentKeyRetention(), builder::contentKeyRetention);
        set(PREFIX + "retry-window", properties.getRetryWindow(), builder::retryWindow);
    }

    // Passes the value of a property to a setter that validates it; a refusal is reported under the property's name.
    private static <T> void set(String property, T value, Consumer<T> setter) {
        try {
            setter.accept(value);
        } catch (IllegalArgumentException e) {
            throw RefoldWebhookConfigurationException.refused(property, e);
        }
    }

    // A table-name that names no table would have every delivery answered 503: checked once every bean is in place.
    @Bean
    @Conditional(WithoutInbox.class)
    StoreTableCheck refoldIdempotencyTableCheck(RefoldWebhookProperties properties, ListableBeanFactory beans) {
        RefoldWebhookProperties.Idempotency idempotency = properties.getIdempotency();
        String table = PREFIX + "idempotency.jdbc.table-name";
        String create = PREFIX + "idempotency.jdbc.create-table";
        return new StoreTableCheck(() -> idempotency.getJdbc().isCreateTable() || !beans.containsBean(STORE_BEAN)
                || !(beans.getBean(STORE_BEAN) instanceof JdbcIdempotencyStore jdbc) ? Optional.empty()
                : Optional.of(() -> {
                    // Both reads: a table of version 0.1 has the lease's columns but not done_handlers (nor
                    // previous_state, added with it), which every claim of this version writes.
                    jdbc.leaseRemaining("refold-startup-check");
                    jdbc.doneHandlers("refold-startup-check");
                }),
                state -> new RefoldWebhookConfigurationException(table, StoreTableCheck.problem(state),
                        StoreTableCheck.action(table, create, "schema-postgresql.sql or schema-h2.sql")));
    }

    // Closes the receiver within the configured timeout when the context closes, before the web server's graceful
    // shutdown and its executors stop: new deliveries are answered 503, in-flight ones finish, and acknowledge-fast
    // work that never started is released with its key logged.
    @Bean
    ReceiverShutdown refoldWebhookShutdown(WebhookReceiver receiver, RefoldWebhookProperties properties) {
        return new ReceiverShutdown(receiver, shutdownTimeout(properties));
    }

    /**
     * Returns {@code refold.webhooks.path}, refusing one that deliveries would miss: both filters compare it, exactly,
     * with the request's decoded path, which starts with '/'; white space in it is a slip (a trailing blank, which a
     * .properties file keeps) that no subscription URL carries, and a pattern ({@code /webhooks/*}), a template
     * ({@code /webhooks/{tenant}}), a query, a fragment or a path parameter would never match. The value is quoted so
     * that the blank can be seen.
     */
    static String path(RefoldWebhookProperties properties) {
        String path = properties.getPath();
        if (path == null || !path.startsWith("/")
                || path.codePoints().anyMatch(c -> Character.isWhitespace(c) || Character.isSpaceChar(c)
                        || Character.isISOControl(c) || "*?#{};".indexOf(c) >= 0)) {
            throw new RefoldWebhookConfigurationException(PREFIX + "path", "must start with '/' and hold no white"
                    + " space, control character or any of * ? # { } ; (it is compared exactly with the request's"
                    + " path: no pattern, template, query or path parameter), but was '" + path + "'");
        }
        return path;
    }

    /**
     * Returns {@code refold.webhooks.shutdown-timeout}, refusing a negative one: it would silently mean "do not wait",
     * which zero says plainly. Every bean that waits on shutdown reads it here, whichever is created first.
     */
    static Duration shutdownTimeout(RefoldWebhookProperties properties) {
        Duration timeout = properties.getShutdownTimeout();
        if (timeout.isNegative()) {
            throw new RefoldWebhookConfigurationException(PREFIX + "shutdown-timeout", "must not be negative (zero"
                    + " does not wait) but was " + timeout);
        }
        return timeout;
    }

    /**
     * Returns where Boot's error page is dispatched: {@code server.error.path} under the DispatcherServlet's
     * {@code spring.mvc.servlet.path}, as Boot's own error page customizer places it.
     */
    static String errorPagePath(Environment environment) {
        String servletPath = environment.getProperty("spring.mvc.servlet.path", "/");
        String prefix = servletPath.endsWith("/*") ? servletPath.substring(0, servletPath.length() - 2)
                : servletPath.endsWith("/") ? servletPath.substring(0, servletPath.length() - 1) : servletPath;
        String error = environment.getProperty("server.error.path", "/error");
        return prefix + (error.startsWith("/") ? error : "/" + error);
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    static class ServletConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "refoldWebhookFilterRegistration")
        FilterRegistrationBean<RefoldWebhookFilter> refoldWebhookFilterRegistration(WebhookReceiver receiver,
                                                                                   RefoldWebhookProperties properties,
                                                                                   Environment environment) {
            String path = path(properties);
            RefoldWebhookFilter filter = RefoldWebhookFilter.builder(receiver).path(path).build();
            FilterRegistrationBean<RefoldWebhookFilter> registration = new FilterRegistrationBean<>(filter);
            registration.setName("refoldWebhookFilter");
            // Also Boot's error page, for its error dispatch: Tomcat answers a blocking read its connectionTimeout
            // ended with sendError(408), and the filter answers that dispatch with the delivery's 408 (before Spring
            // Security, which would answer 401 where /error is not permitted). Any other request there passes on.
            registration.addUrlPatterns(path, errorPagePath(environment));
            registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ERROR);
            registration.setOrder(properties.getFilterOrder());
            return registration;
        }

        @Configuration(proxyBeanMethods = false)
        @ConditionalOnClass(name = "org.apache.catalina.connector.Connector")
        static class TomcatConfiguration {

            @Bean
            @ConditionalOnMissingBean(name = "refoldTomcatContinueOnRead")
            TomcatContinueOnRead refoldTomcatContinueOnRead() {
                return new TomcatContinueOnRead();
            }
        }
    }

    // Whichever made the store: an application's own JdbcIdempotencyStore bean is purged as the starter's is; the
    // scheduler does nothing for any other store.
    @Bean
    @Conditional(WithoutInbox.class)
    @ConditionalOnMissingBean
    JdbcPurgeScheduler refoldWebhookPurgeScheduler(IdempotencyStore store, RefoldWebhookProperties properties) {
        // Refused here, not at the first purge: each purge would fail and the table would grow without limit.
        if (properties.getIdempotency().getJdbc().getPurgeBatchSize() < 1) {
            throw new RefoldWebhookConfigurationException(PREFIX + "idempotency.jdbc.purge-batch-size",
                    "must be at least 1 but was " + properties.getIdempotency().getJdbc().getPurgeBatchSize());
        }
        return new JdbcPurgeScheduler(store, properties.getIdempotency().getJdbc());
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
    static class ReactiveConfiguration {

        static final String WEB_FILTER = "ai.refold.webhooks.webflux.RefoldWebhookWebFilter";

        @Configuration(proxyBeanMethods = false)
        @ConditionalOnClass(name = WEB_FILTER)
        static class WebFilterConfiguration {

            // WebFlux sorts WebFilter beans by their order: before Spring Security's chain (-100) by default.
            @Bean
            @ConditionalOnMissingBean(name = "refoldWebhookWebFilter")
            OrderedRefoldWebhookWebFilter refoldWebhookWebFilter(WebhookReceiver receiver,
                                                                 RefoldWebhookProperties properties) {
                return new OrderedRefoldWebhookWebFilter(RefoldWebhookWebFilter.builder(receiver)
                        .path(path(properties)).build(), properties.getFilterOrder());
            }
        }

        @Bean
        @ConditionalOnMissingClass(WEB_FILTER)
        static NoEndpointWarning refoldWebhookWithoutWebFilter(RefoldWebhookProperties properties) {
            return new NoEndpointWarning("this is a reactive web application and ai.refold:refold-webhooks-webflux is"
                    + " not on the classpath", "add that dependency beside the starter to receive deliveries on "
                    + properties.getPath());
        }
    }

    @Configuration(proxyBeanMethods = false)
    @Import(RefoldInboxConfiguration.class)
    static class InboxConfiguration {
    }

    // The exact complement of RefoldInboxConfiguration's condition. In inbox mode the starter defines no idempotency
    // store (the inbox deduplicates), so any IdempotencyStore bean there is the application's.
    static class WithoutInbox extends NoneNestedConditions {

        WithoutInbox() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnRefoldSetting(name = "refold.webhooks.inbox.enabled", havingValue = "true")
        static class InboxEnabled {
        }
    }

    // Actuator shows property values only when the application allows it; the keys stay masked even then.
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.SanitizingFunction")
    static class SanitizingConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "refoldKeySanitizer")
        RefoldKeySanitizer refoldKeySanitizer(RefoldWebhookProperties properties) {
            return new RefoldKeySanitizer(() -> properties.getKeys().values());
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
    static class MetricsConfiguration {

        @Bean
        @ConditionalOnBean(MeterRegistry.class)
        @ConditionalOnMissingBean
        RefoldWebhookMetrics refoldWebhookMetrics(MeterRegistry registry) {
            return new RefoldWebhookMetrics(registry);
        }
    }
}
