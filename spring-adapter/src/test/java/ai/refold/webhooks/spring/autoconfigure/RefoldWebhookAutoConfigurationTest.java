package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.DeliveryResult;
import ai.refold.webhooks.Outcome;
import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.WebhookEvent;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.idempotency.IdempotencyStore;
import ai.refold.webhooks.idempotency.InMemoryIdempotencyStore;
import ai.refold.webhooks.idempotency.JdbcIdempotencyStore;
import ai.refold.webhooks.servlet.RefoldWebhookFilter;
import ai.refold.webhooks.spring.RefoldWebhook;
import ai.refold.webhooks.spring.RefoldWebhookMethodProcessor;
import ai.refold.webhooks.test.TestDeliveries;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.unit.DataSize;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(OutputCaptureExtension.class)
class RefoldWebhookAutoConfigurationTest {

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RefoldWebhookAutoConfiguration.class));

    // Most tests here are about wiring, not handlers: they say that a receiver without handlers is meant.
    private final WebApplicationContextRunner withKey = runner.withPropertyValues("refold.webhooks.keys.test=k1",
            "refold.webhooks.allow-no-handlers=true");

    @Test
    void backsOffOutsideAServletWebApplication(CapturedOutput output) {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RefoldWebhookAutoConfiguration.class,
                        RefoldWebhookNonWebAutoConfiguration.class))
                .withPropertyValues("refold.webhooks.keys.test=k1")
                .run(context -> {
                    assertThat(context).hasNotFailed().doesNotHaveBean(WebhookReceiver.class)
                            .doesNotHaveBean(FilterRegistrationBean.class);
                    // A warning rather than a failure: the application may use the SDK's types alone.
                    assertThat(context.getBean(NoEndpointWarning.class).message())
                            .contains("not a web application");
                });
        assertThat(output).contains("refold webhooks: no endpoint receives deliveries, because this is not a web"
                + " application").contains("refold.webhooks.enabled=false");
    }

    @Test
    void aServletApplicationGetsTheServletFilterOnlyAndNoWarning() {
        withKey.withConfiguration(AutoConfigurations.of(RefoldWebhookNonWebAutoConfiguration.class))
                .run(context -> assertThat(context).hasBean("refoldWebhookFilterRegistration")
                        .doesNotHaveBean("refoldWebhookWebFilter").doesNotHaveBean(NoEndpointWarning.class));
    }

    @Test
    void aDisabledStarterWarnsOfNothingOutsideAWebApplication() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RefoldWebhookAutoConfiguration.class,
                        RefoldWebhookNonWebAutoConfiguration.class))
                .withPropertyValues("refold.webhooks.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(NoEndpointWarning.class));
    }

    @Test
    void aHandlerMethodReturningACompletionStageIsDoneWhenItCompletesAndAFailedStageIsRetried() {
        withKey.withBean(StageHandlers.class).run(context -> {
            WebhookReceiver receiver = context.getBean(WebhookReceiver.class);
            StageHandlers handlers = context.getBean(StageHandlers.class);

            DeliveryResult failed = receiver.receive(TestDeliveries.withKey("k1").of(EventType.WORKFLOW_ERRORED));
            DeliveryResult retried = receiver.receive(TestDeliveries.withKey("k1").of(EventType.WORKFLOW_ERRORED));

            assertThat(failed.outcome()).isEqualTo(Outcome.HANDLER_FAILED);
            assertThat(retried.outcome()).isEqualTo(Outcome.PROCESSED);
            assertThat(handlers.attempts).hasValue(2);
            assertThat(context.getBean(RefoldWebhookMethodProcessor.class).handlerMethods())
                    .containsExactly("StageHandlers.onErrored(WorkflowErrored)");
        });
    }

    @Test
    void failsStartupNamingAHandlerMethodThatReturnsAValue() {
        withKey.withBean(ValueHandlers.class).run(context -> assertThat(context.getStartupFailure())
                .hasStackTraceContaining("@RefoldWebhook method ValueHandlers.onEvent(WebhookEvent) must return void,"
                        + " or a Mono or CompletionStage"));
    }

    @Test
    void backsOffWhenDisabled() {
        withKey.withPropertyValues("refold.webhooks.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(WebhookReceiver.class));
    }

    @Test
    void failsStartupWithAnExplanationWhenNoKeyIsConfigured() {
        runner.run(context -> {
            assertThat(context).hasFailed();
            Throwable failure = context.getStartupFailure();
            FailureAnalysis analysis = new MissingRefoldApiKeyFailureAnalyzer().analyze(failure);
            assertThat(analysis).isNotNull();
            assertThat(analysis.getDescription()).contains("no API key");
            assertThat(analysis.getAction()).contains("refold.webhooks.keys.test").contains("refold.webhooks.keys.live");
        });
    }

    @Test
    void failsStartupNamingAnEmptyKey() {
        runner.withPropertyValues("refold.webhooks.keys.live=")
                .run(context -> {
                    assertThat(context).hasFailed();
                    FailureAnalysis analysis = new MissingRefoldApiKeyFailureAnalyzer()
                            .analyze(context.getStartupFailure());
                    assertThat(analysis.getCause()).hasMessageContaining("refold.webhooks.keys.live is empty");
                });
    }

    @Test
    void failsStartupNamingAKeyLabelTooLongForTheReceiverWithAdviceAboutTheLabelNotTheKey() {
        String label = "l".repeat(201);
        runner.withPropertyValues("refold.webhooks.keys." + label + "=label-test-api-key")
                .run(context -> {
                    FailureAnalysis analysis = analysis(context.getStartupFailure());
                    assertThat(analysis.getDescription()).contains("refold.webhooks.keys." + label)
                            .contains("key label must be at most 200 characters").doesNotContain("label-test-api-key");
                    assertThat(analysis.getAction()).contains("label").doesNotContain("whole Refold API key");
                });
    }

    @Test
    void failsStartupNamingAKeyLabelWithAControlCharacterWithAdviceAboutTheLabelNotTheKey() {
        runner.withPropertyValues("refold.webhooks.keys.[live\u0007]=label-test-api-key")
                .run(context -> {
                    FailureAnalysis analysis = analysis(context.getStartupFailure());
                    assertThat(analysis.getDescription()).contains("key label must not hold a control character")
                            .doesNotContain("label-test-api-key");
                    assertThat(analysis.getAction()).contains("label").doesNotContain("whole Refold API key");
                });
    }

    @Test
    void bindsPropertiesIntoTheReceiverAndTheFilter() {
        withKey.withPropertyValues("refold.webhooks.keys.live=k2", "refold.webhooks.path=/hooks/refold",
                        "refold.webhooks.max-body-size=2KB", "refold.webhooks.lease=45s",
                        "refold.webhooks.retention=2d", "refold.webhooks.filter-order=5")
                .run(context -> {
                    RefoldWebhookProperties properties = context.getBean(RefoldWebhookProperties.class);
                    assertThat(properties.getKeys()).containsOnlyKeys("test", "live");
                    assertThat(properties.getMaxBodySize()).isEqualTo(DataSize.ofKilobytes(2));
                    assertThat(properties.getLease()).isEqualTo(Duration.ofSeconds(45));
                    assertThat(properties.getRetention()).isEqualTo(Duration.ofDays(2));
                    assertThat(properties.toString()).doesNotContain("k1").doesNotContain("k2");

                    WebhookReceiver receiver = context.getBean(WebhookReceiver.class);
                    assertThat(receiver.maxBodyBytes()).isEqualTo(2048);
                    assertThat(receiver.toString()).contains("[test, live]").contains("PT45S").contains("PT48H");

                    FilterRegistrationBean<?> registration = context.getBean("refoldWebhookFilterRegistration",
                            FilterRegistrationBean.class);
                    assertThat(registration.getUrlPatterns()).as("the path, and Boot's error page for its error"
                            + " dispatch").containsExactly("/hooks/refold", "/error");
                    assertThat(registration.getOrder()).isEqualTo(5);
                    assertThat(((RefoldWebhookFilter) registration.getFilter()).path()).isEqualTo("/hooks/refold");
                });
    }

    @Test
    void usesTheApplicationsOwnBeansInsteadOfTheDefaults() {
        withKey.withUserConfiguration(OwnBeans.class).run(context -> {
            assertThat(context).hasSingleBean(WebhookReceiver.class).hasSingleBean(IdempotencyStore.class);
            assertThat(context.getBean(WebhookReceiver.class)).isSameAs(OwnBeans.RECEIVER);
            assertThat(context.getBean(IdempotencyStore.class)).isSameAs(OwnBeans.STORE);
            assertThat(context.getBean("refoldWebhookFilterRegistration")).isSameAs(OwnBeans.REGISTRATION);
        });
    }

    @Test
    void appliesCustomizersToTheReceiverBuilder() {
        withKey.withBean(RefoldWebhookReceiverCustomizer.class, () -> builder -> builder.maxBodyBytes(1234))
                .run(context -> assertThat(context.getBean(WebhookReceiver.class).maxBodyBytes()).isEqualTo(1234));
    }

    @Test
    void failsStartupNamingAHandlerMethodWithAnInvalidSignature() {
        withKey.withBean(BadHandlers.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure())
                    .hasStackTraceContaining("@RefoldWebhook method BadHandlers.onText(String)")
                    .hasStackTraceContaining("must take a WebhookEvent type");
        });
    }

    @Test
    void discoversHandlerMethodsOnAnyBean() {
        withKey.withBean(GoodHandlers.class).run(context -> assertThat(
                context.getBean(RefoldWebhookMethodProcessor.class).handlerMethods())
                .containsExactly("GoodHandlers.onEvent(WebhookEvent)"));
    }

    @Test
    void selectsTheJdbcStoreOnTheApplicationsDataSourceAndSchedulesItsPurge() {
        withKey.withPropertyValues("refold.webhooks.idempotency.store=jdbc",
                        "refold.webhooks.idempotency.jdbc.create-table=true")
                .withBean(DataSource.class, () -> {
                    JdbcDataSource h2 = new JdbcDataSource();
                    h2.setURL("jdbc:h2:mem:starter;DB_CLOSE_DELAY=-1");
                    return h2;
                })
                .run(context -> {
                    assertThat(context.getBean(IdempotencyStore.class)).isInstanceOf(JdbcIdempotencyStore.class);
                    JdbcPurgeScheduler purge = context.getBean(JdbcPurgeScheduler.class);
                    assertThat(purge.isRunning()).isTrue();
                    assertThat(purge.purgeNow()).isZero();
                });
    }

    // An application that keeps the table in a DataSource of its own declares the store itself, and need not set
    // refold.webhooks.idempotency.store: its expired rows must still be purged, or the table grows without limit.
    @Test
    void anApplicationsOwnJdbcStoreIsPurgedToo() {
        DataSource webhooks = h2();
        withKey.withBean(IdempotencyStore.class, () -> JdbcIdempotencyStore.builder().dataSource(webhooks)
                        .createTableIfMissing(true).build())
                .run(context -> {
                    JdbcPurgeScheduler purge = context.getBean(JdbcPurgeScheduler.class);
                    assertThat(purge.isRunning()).isTrue();
                    assertThat(purge.purgeNow()).isZero();
                });
    }

    @Test
    void theInMemoryStoreHasNothingToPurge() {
        withKey.run(context -> assertThat(context.getBean(JdbcPurgeScheduler.class).isRunning()).isFalse());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-1"})
    void aJdbcPurgeBatchSizeBelowOneFailsStartupNamingTheProperty(String size) {
        withKey.withPropertyValues("refold.webhooks.idempotency.store=jdbc",
                        "refold.webhooks.idempotency.jdbc.purge-batch-size=" + size)
                .withBean(DataSource.class, RefoldWebhookAutoConfigurationTest::h2)
                .run(context -> {
                    FailureAnalysis analysis = analysis(context.getStartupFailure());
                    assertThat(analysis.getDescription())
                            .contains("refold.webhooks.idempotency.jdbc.purge-batch-size must be at least 1");
                    assertThat(analysis.getAction()).contains("refold.webhooks.idempotency.jdbc.purge-batch-size");
                });
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "lease                       | -5s         | memory",
        "lease                       | 2d          | memory",
        "read-deadline               | 0s          | memory",
        "read-deadline               | 2h          | memory",
        "retention                   | -1d         | memory",
        "content-key-retention       | 0s          | memory",
        "retry-window                | -1m         | memory",
        "max-body-size               | 0B          | memory",
        "max-body-size               | 3GB         | memory",
        "body-budget                 | -1KB        | memory",
        "idempotency.maximum-size    | 0           | memory",
        "idempotency.jdbc.table-name | drop;table  | jdbc"
    })
    void aValueTheReceiverRefusesFailsStartupNamingTheProperty(String property, String value, String store) {
        withKey.withPropertyValues("refold.webhooks." + property + "=" + value,
                        "refold.webhooks.idempotency.store=" + store)
                .withBean(DataSource.class, RefoldWebhookAutoConfigurationTest::h2)
                .run(context -> {
                    FailureAnalysis analysis = analysis(context.getStartupFailure());
                    assertThat(analysis.getDescription())
                            .startsWith("The Refold webhook receiver cannot start: refold.webhooks." + property + " ");
                    assertThat(analysis.getAction()).contains("refold.webhooks." + property);
                });
    }

    @Test
    void aRefusedLeaseIsExplainedInTermsOfThePropertyWithCoresReason() {
        // Core's rule may change (a minimum lease); what matters is that the property, not the setter, is named.
        withKey.withPropertyValues("refold.webhooks.lease=-5s").run(context -> assertThat(
                analysis(context.getStartupFailure()).getDescription()).startsWith("The Refold webhook receiver cannot"
                + " start: refold.webhooks.lease cannot be used: it must be ").endsWith("PT-5S")
                .doesNotContain("lease must"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"refold.webhooks.acknowledge-fast=false", "refold.webhooks.acknowledge-fast=true",
        "refold.webhooks.inbox.enabled=true refold.webhooks.inbox.store=memory"})
    void aNegativeShutdownTimeoutFailsStartupNamingThePropertyInEveryMode(String mode) {
        withKey.withPropertyValues(mode.split(" ")).withPropertyValues("refold.webhooks.shutdown-timeout=-1s")
                .run(context -> {
                    FailureAnalysis analysis = analysis(context.getStartupFailure());
                    assertThat(analysis.getDescription()).startsWith("The Refold webhook receiver cannot start:"
                            + " refold.webhooks.shutdown-timeout must not be negative");
                    assertThat(analysis.getAction()).contains("refold.webhooks.shutdown-timeout");
                });
    }

    @Test
    void aZeroShutdownTimeoutStartsAndMeansDoNotWait() {
        withKey.withPropertyValues("refold.webhooks.shutdown-timeout=0s")
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(ReceiverShutdown.class));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/webhooks/refold ", "/webhooks/refold\t", "/webhooks/refold\n", "/webhooks/ refold",
        "/webhooks/refold\u00a0", " /webhooks/refold", "webhooks/refold", "",
        // A pattern or a template: the filters compare the path exactly, so no delivery would ever match these.
        "/webhooks/*", "/webhooks/refold/**", "/webhooks/{tenant}", "/webhooks/refold?v=1", "/webhooks/refold;v=1",
        "/webhooks/refold#live"})
    void aPathNoRequestCouldMatchFailsStartupNamingThePropertyAndQuotingIt(String path) {
        // Set as a .properties file would: keeping blanks that withPropertyValues trims.
        withKey.withInitializer(context -> context.getEnvironment().getPropertySources().addFirst(
                        new MapPropertySource("properties-file", Map.of("refold.webhooks.path", path))))
                .run(context -> {
                    FailureAnalysis analysis = analysis(context.getStartupFailure());
                    assertThat(analysis.getDescription()).startsWith("The Refold webhook receiver cannot start:"
                            + " refold.webhooks.path must start with '/'").endsWith("'" + path + "'");
                    assertThat(analysis.getAction()).contains("refold.webhooks.path");
                });
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/webhooks/refold", "/api/v2/refold-webhooks_live.json"})
    void aPathStartingWithASlashWithoutWhiteSpaceIsRegisteredAsGiven(String path) {
        withKey.withInitializer(context -> context.getEnvironment().getPropertySources().addFirst(
                        new MapPropertySource("properties-file", Map.of("refold.webhooks.path", path))))
                .run(context -> assertThat(((RefoldWebhookFilter) context.getBean("refoldWebhookFilterRegistration",
                        FilterRegistrationBean.class).getFilter()).path()).isEqualTo(path));
    }

    @Test
    void theJdbcStoreWithoutADataSourceFailsStartupClearly() {
        withKey.withPropertyValues("refold.webhooks.idempotency.store=jdbc")
                .run(context -> assertThat(context.getStartupFailure())
                        .hasStackTraceContaining("needs exactly one DataSource"));
    }

    @Test
    void theDefaultStoreIsInMemory() {
        withKey.run(context -> assertThat(context.getBean(IdempotencyStore.class))
                .isInstanceOf(InMemoryIdempotencyStore.class));
    }

    @Test
    void registersMetricsWhenAMeterRegistryIsPresent() {
        withKey.withBean(SimpleMeterRegistry.class, SimpleMeterRegistry::new)
                .run(context -> assertThat(context).hasSingleBean(RefoldWebhookMetrics.class));
        withKey.run(context -> assertThat(context).doesNotHaveBean(RefoldWebhookMetrics.class));
    }

    @Test
    void acknowledgeFastModeGetsABoundedExecutor() {
        withKey.withPropertyValues("refold.webhooks.acknowledge-fast=true")
                .run(context -> {
                    assertThat(context).hasBean(RefoldWebhookAutoConfiguration.EXECUTOR_BEAN);
                    assertThat(context.getBean(WebhookReceiver.class).toString()).contains("acknowledgeFast");
                });
    }

    private static DataSource h2() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:starter-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        return h2;
    }

    private static FailureAnalysis analysis(Throwable failure) {
        assertThat(failure).as("startup failure").isNotNull();
        FailureAnalysis analysis = new RefoldWebhookConfigurationFailureAnalyzer().analyze(failure);
        assertThat(analysis).as("analysis of %s", failure).isNotNull();
        return analysis;
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnBeans {
        static final IdempotencyStore STORE = InMemoryIdempotencyStore.create();
        static final WebhookReceiver RECEIVER = WebhookReceiver.builder().signingKey("own", "own-key")
                .allowNoHandlers().build();
        static final FilterRegistrationBean<RefoldWebhookFilter> REGISTRATION =
                new FilterRegistrationBean<>(RefoldWebhookFilter.builder(RECEIVER).build());

        @Bean
        IdempotencyStore store() {
            return STORE;
        }

        @Bean
        WebhookReceiver receiver() {
            return RECEIVER;
        }

        @Bean
        FilterRegistrationBean<RefoldWebhookFilter> refoldWebhookFilterRegistration() {
            return REGISTRATION;
        }
    }

    static class BadHandlers {
        @RefoldWebhook
        void onText(String text) {
        }
    }

    static class StageHandlers {
        final AtomicInteger attempts = new AtomicInteger();

        @RefoldWebhook
        CompletableFuture<Void> onErrored(WorkflowErrored event) {
            return attempts.incrementAndGet() == 1
                    ? CompletableFuture.failedFuture(new IllegalStateException("downstream refused"))
                    : CompletableFuture.completedFuture(null);
        }
    }

    static class ValueHandlers {
        @RefoldWebhook
        String onEvent(WebhookEvent event) {
            return "handled";
        }
    }

    static class GoodHandlers {
        @RefoldWebhook
        void onEvent(WebhookEvent event) {
        }
    }

    // Boot's error page lies at server.error.path under the DispatcherServlet's path; the filter is mapped there for
    // the error dispatch of a delivery whose read the container answered (StalledBodyOverSpringBootTest).
    @ParameterizedTest
    @CsvSource({"'', '', /error", "/, /oops, /oops", "/api, /error, /api/error", "/api/*, oops, /api/oops",
        "/api/, /error, /api/error"})
    void theFilterIsAlsoMappedToBootsErrorPage(String servletPath, String errorPath, String expected) {
        org.springframework.mock.env.MockEnvironment environment = new org.springframework.mock.env.MockEnvironment();
        if (!servletPath.isEmpty()) {
            environment.setProperty("spring.mvc.servlet.path", servletPath);
        }
        if (!errorPath.isEmpty()) {
            environment.setProperty("server.error.path", errorPath);
        }
        assertThat(RefoldWebhookAutoConfiguration.errorPagePath(environment)).isEqualTo(expected);
    }
}
