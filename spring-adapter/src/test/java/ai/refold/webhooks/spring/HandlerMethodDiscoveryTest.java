package ai.refold.webhooks.spring;

import ai.refold.webhooks.DeliveryListener;
import ai.refold.webhooks.DeliveryRequest;
import ai.refold.webhooks.DeliveryResult;
import ai.refold.webhooks.Outcome;
import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.WebhookEvent;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.event.WorkflowEvent;
import ai.refold.webhooks.idempotency.IdempotencyStore;
import ai.refold.webhooks.idempotency.InMemoryIdempotencyStore;
import ai.refold.webhooks.spring.autoconfigure.RefoldWebhookAutoConfiguration;
import ai.refold.webhooks.test.TestDeliveries;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Scope;
import org.springframework.context.annotation.ScopedProxyMode;
import org.springframework.beans.factory.config.CustomScopeConfigurer;
import org.springframework.context.support.SimpleThreadScope;
import org.springframework.scheduling.annotation.Async;
import org.springframework.web.context.annotation.RequestScope;
import org.springframework.scheduling.annotation.EnableAsync;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** How {@code @RefoldWebhook} methods are found, typed and named on beans shaped as real applications shape them. */
class HandlerMethodDiscoveryTest {

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RefoldWebhookAutoConfiguration.class))
            .withPropertyValues("refold.webhooks.keys.test=k1");

    // A base class that many applications write: the subclass names the event through the type argument.
    abstract static class TypedHandler<E extends WebhookEvent> {
        final List<String> handled = new CopyOnWriteArrayList<>();

        @RefoldWebhook
        public void on(E event) {
            handle(event);
        }

        abstract void handle(E event);
    }

    static class ErroredHandler extends TypedHandler<WorkflowErrored> {
        @Override
        void handle(WorkflowErrored event) {
            handled.add(event.instanceId());
        }
    }

    @Test
    void aHandlerOnAGenericBaseClassTakesOnlyTheEventsItsTypeArgumentNames() {
        runner.withBean(ErroredHandler.class).run(context -> {
            WebhookReceiver receiver = context.getBean(WebhookReceiver.class);
            ErroredHandler handler = context.getBean(ErroredHandler.class);

            DeliveryResult created = receiver.receive(TestDeliveries.withKey("k1").of(EventType.CONNECTION_CREATED));
            DeliveryResult errored = receiver.receive(TestDeliveries.withKey("k1").of(EventType.WORKFLOW_ERRORED));

            assertThat(created.outcome()).isEqualTo(Outcome.IGNORED);
            assertThat(errored.outcome()).isEqualTo(Outcome.PROCESSED);
            assertThat(handler.handled).hasSize(1);
            assertThat(context.getBean(RefoldWebhookMethodProcessor.class).handlerMethods())
                    .containsExactly("ErroredHandler.on(WorkflowErrored)");
        });
    }

    // One class, one bean per tenant; the crm one fails until told otherwise.
    static class TenantHandlers {
        final String tenant;
        final List<String> runs;
        final Set<String> failing;

        TenantHandlers(String tenant, List<String> runs, Set<String> failing) {
            this.tenant = tenant;
            this.runs = runs;
            this.failing = failing;
        }

        @RefoldWebhook
        void onErrored(WorkflowErrored event) {
            if (failing.contains(tenant)) {
                throw new IllegalStateException(tenant + " is down");
            }
            runs.add(tenant);
        }
    }

    @Test
    void aRetryRunsOnlyTheHandlerThatFailedWhicheverOrderTheBeansAreRegisteredInAfterARestart() {
        IdempotencyStore store = InMemoryIdempotencyStore.builder().build();
        List<String> runs = new CopyOnWriteArrayList<>();
        Set<String> failing = ConcurrentHashMap.newKeySet();
        failing.add("crm");
        DeliveryRequest delivery = TestDeliveries.withKey("k1").of(EventType.WORKFLOW_ERRORED);

        runner.withBean(IdempotencyStore.class, () -> store)
                .withBean("billing", TenantHandlers.class, () -> new TenantHandlers("billing", runs, failing))
                .withBean("crm", TenantHandlers.class, () -> new TenantHandlers("crm", runs, failing))
                .run(context -> assertThat(context.getBean(WebhookReceiver.class).receive(delivery).outcome())
                        .isEqualTo(Outcome.HANDLER_FAILED));
        failing.clear();
        // The same application after a restart, its beans registered in the other order (another instance, a
        // reordered configuration class): Refold's retry must run crm, and billing not again.
        runner.withBean(IdempotencyStore.class, () -> store)
                .withBean("crm", TenantHandlers.class, () -> new TenantHandlers("crm", runs, failing))
                .withBean("billing", TenantHandlers.class, () -> new TenantHandlers("billing", runs, failing))
                .run(context -> assertThat(context.getBean(WebhookReceiver.class).receive(delivery).outcome())
                        .isEqualTo(Outcome.PROCESSED));

        assertThat(runs).containsExactly("billing", "crm");
    }

    static class Overloads {
        @RefoldWebhook
        void on(WorkflowErrored event) {
        }

        @RefoldWebhook
        void on(WorkflowEvent event) {
        }
    }

    @Test
    void overloadedHandlersAreNamedByTheirParameterNotByTheOrderReflectionListsThem() {
        List<String> names = new CopyOnWriteArrayList<>();
        DeliveryListener listener = new DeliveryListener() {
            @Override
            public void onDelivery(DeliveryResult result, Duration elapsed) {
            }

            @Override
            public void onHandler(String handler, WebhookEvent event, Duration elapsed, Throwable failure) {
                names.add(handler);
            }
        };
        runner.withBean(Overloads.class).withBean(DeliveryListener.class, () -> listener).run(context -> {
            context.getBean(WebhookReceiver.class).receive(TestDeliveries.withKey("k1").of(EventType.WORKFLOW_ERRORED));
            assertThat(names).containsExactlyInAnyOrder("Overloads.on(WorkflowErrored)", "Overloads.on(WorkflowEvent)");
        });
    }

    @Scope(ConfigurableBeanFactory.SCOPE_PROTOTYPE)
    static class PrototypeHandlers {
        @RefoldWebhook
        void onErrored(WorkflowErrored event) {
        }
    }

    static class SingletonHandlers {
        @RefoldWebhook
        void onCompleted(ai.refold.webhooks.event.WorkflowCompleted event) {
        }
    }

    @Test
    void aHandlerOnAPrototypeBeanFailsStartupNamingTheBeanInsteadOfBeingSkipped() {
        runner.withBean(SingletonHandlers.class)
                .withBean("prototypeHandlers", PrototypeHandlers.class, PrototypeHandlers::new,
                        definition -> definition.setScope(ConfigurableBeanFactory.SCOPE_PROTOTYPE))
                .run(context -> assertThat(context.getStartupFailure())
                        .hasStackTraceContaining("PrototypeHandlers.onErrored(WorkflowErrored)")
                        .hasStackTraceContaining("'prototypeHandlers'")
                        .hasStackTraceContaining("prototype"));
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAsync(proxyTargetClass = true)
    static class AsyncConfiguration {
    }

    // @Async on a void method: the proxy hands the call to an executor and returns at once.
    static class AsyncHandlers {
        @Async
        @RefoldWebhook
        public void onErrored(WorkflowErrored event) {
            throw new IllegalStateException("the ledger is down");
        }
    }

    @Test
    void anAsyncVoidHandlerFailsStartupInsteadOfHavingItsFailuresAcknowledged() {
        runner.withUserConfiguration(AsyncConfiguration.class).withBean(AsyncHandlers.class)
                .run(context -> assertThat(context.getStartupFailure())
                        .hasStackTraceContaining("@RefoldWebhook method AsyncHandlers.onErrored(WorkflowErrored)")
                        .hasStackTraceContaining("@Async"));
    }

    static class Ledger {
    }

    // Proxied by CGLIB for its @Async method; the final handler method would run on the proxy, whose fields are null.
    static class FinalHandlers {
        private final Ledger ledger;

        FinalHandlers(Ledger ledger) {
            this.ledger = ledger;
        }

        @Async
        public void housekeeping() {
        }

        @RefoldWebhook
        public final void onErrored(WorkflowErrored event) {
            ledger.toString();
        }
    }

    @Test
    void aFinalHandlerMethodOnAClassProxiedBeanFailsStartupNamingIt() {
        runner.withUserConfiguration(AsyncConfiguration.class).withBean(Ledger.class).withBean(FinalHandlers.class)
                .run(context -> assertThat(context.getStartupFailure())
                        .hasStackTraceContaining("@RefoldWebhook method FinalHandlers.onErrored(WorkflowErrored)")
                        .hasStackTraceContaining("is final"));
    }

    // @RequestScope gives the bean a class-based scoped proxy, which is a singleton.
    @RequestScope
    static class RequestScopedHandlers {
        @RefoldWebhook
        void onErrored(WorkflowErrored event) {
        }
    }

    @Test
    void aHandlerOnARequestScopedBeanFailsStartupSinceNoRequestScopeIsOpenWhenItRuns() {
        runner.withUserConfiguration(RequestScopedConfiguration.class)
                .run(context -> assertThat(context.getStartupFailure())
                        .hasStackTraceContaining("RequestScopedHandlers.onErrored(WorkflowErrored)")
                        .hasStackTraceContaining("'requestScopedHandlers'")
                        .hasStackTraceContaining("scope request"));
    }

    @Configuration(proxyBeanMethods = false)
    static class RequestScopedConfiguration {
        @Bean
        @RequestScope
        RequestScopedHandlers requestScopedHandlers() {
            return new RequestScopedHandlers();
        }
    }

    static class ThreadScopedHandlers {
        final List<String> handled = new CopyOnWriteArrayList<>();

        @RefoldWebhook
        void onErrored(WorkflowErrored event) {
            handled.add(event.instanceId());
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class ThreadScopedConfiguration {
        @Bean
        static CustomScopeConfigurer threadScope() {
            CustomScopeConfigurer configurer = new CustomScopeConfigurer();
            configurer.addScope("thread", new SimpleThreadScope());
            return configurer;
        }

        @Bean
        @Scope(value = "thread", proxyMode = ScopedProxyMode.TARGET_CLASS)
        ThreadScopedHandlers threadScopedHandlers() {
            return new ThreadScopedHandlers();
        }
    }

    @Test
    void aHandlerOnAScopedProxyRunsAndIsNamedByTheUsersClassNotTheGeneratedOne() {
        List<String> names = new CopyOnWriteArrayList<>();
        DeliveryListener listener = new DeliveryListener() {
            @Override
            public void onDelivery(DeliveryResult result, Duration elapsed) {
            }

            @Override
            public void onHandler(String handler, WebhookEvent event, Duration elapsed, Throwable failure) {
                names.add(handler);
            }
        };
        runner.withUserConfiguration(ThreadScopedConfiguration.class)
                .withBean(DeliveryListener.class, () -> listener).run(context -> {
                    DeliveryResult result = context.getBean(WebhookReceiver.class)
                            .receive(TestDeliveries.withKey("k1").of(EventType.WORKFLOW_ERRORED));
                    assertThat(result.outcome()).isEqualTo(Outcome.PROCESSED);
                    assertThat(names).containsExactly("ThreadScopedHandlers.onErrored");
                });
    }

    // Handler methods in a @Configuration class, as @EventListener methods often are: the bean is a CGLIB subclass.
    @Configuration
    static class HandlingConfiguration {
        @RefoldWebhook
        void onErrored(WorkflowErrored event) {
        }
    }

    @Test
    void aHandlerInAConfigurationClassIsNamedByThatClass() {
        runner.withUserConfiguration(HandlingConfiguration.class).run(context -> assertThat(
                context.getBean(RefoldWebhookMethodProcessor.class).handlerMethods())
                .containsExactly("HandlingConfiguration.onErrored(WorkflowErrored)"));
    }

    abstract static class Base<E extends WebhookEvent> {
        abstract void on(E event);
    }

    // The override is annotated; javac adds a bridge on(WebhookEvent) that carries the annotation too.
    static class ErroredOverride extends Base<WorkflowErrored> {
        final List<String> handled = new CopyOnWriteArrayList<>();

        @Override
        @RefoldWebhook
        void on(WorkflowErrored event) {
            handled.add(event.instanceId());
        }
    }

    @Test
    void anAnnotatedOverrideOfAGenericMethodIsOneHandlerOfItsOwnType() {
        runner.withBean(ErroredOverride.class).run(context -> {
            WebhookReceiver receiver = context.getBean(WebhookReceiver.class);
            assertThat(receiver.receive(TestDeliveries.withKey("k1").of(EventType.CONNECTION_CREATED)).outcome())
                    .isEqualTo(Outcome.IGNORED);
            assertThat(receiver.receive(TestDeliveries.withKey("k1").of(EventType.WORKFLOW_ERRORED)).outcome())
                    .isEqualTo(Outcome.PROCESSED);
            assertThat(context.getBean(ErroredOverride.class).handled).hasSize(1);
            assertThat(context.getBean(RefoldWebhookMethodProcessor.class).handlerMethods())
                    .containsExactly("ErroredOverride.on(WorkflowErrored)");
        });
    }

    // Spring's @Async proxy returns null for any return type but void, Future and CompletableFuture.
    static class AsyncStageHandlers {
        @Async
        @RefoldWebhook
        public java.util.concurrent.CompletionStage<Void> onErrored(WorkflowErrored event) {
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }
    }

    static class AsyncFutureHandlers {
        static final List<String> HANDLED = new CopyOnWriteArrayList<>();

        @Async
        @RefoldWebhook
        public java.util.concurrent.CompletableFuture<Void> onErrored(WorkflowErrored event) {
            HANDLED.add(event.instanceId());
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }
    }

    @Test
    void anAsyncHandlerReturningAnythingButACompletableFutureFailsStartup() {
        runner.withUserConfiguration(AsyncConfiguration.class).withBean(AsyncStageHandlers.class)
                .run(context -> assertThat(context.getStartupFailure())
                        .hasStackTraceContaining("@RefoldWebhook method AsyncStageHandlers.onErrored(WorkflowErrored)")
                        .hasStackTraceContaining("@Async"));
    }

    @Test
    void anAsyncHandlerReturningACompletableFutureIsDoneWhenItCompletes() {
        runner.withUserConfiguration(AsyncConfiguration.class).withBean(AsyncFutureHandlers.class).run(context -> {
            DeliveryResult result = context.getBean(WebhookReceiver.class)
                    .receive(TestDeliveries.withKey("k1").of(EventType.WORKFLOW_ERRORED));
            assertThat(result.outcome()).isEqualTo(Outcome.PROCESSED);
            assertThat(AsyncFutureHandlers.HANDLED).hasSize(1);
        });
    }

    // An application that replaces the starter's receiver with a bean of its own.
    @Configuration(proxyBeanMethods = false)
    static class OwnReceiver {
        @Bean
        WebhookReceiver webhookReceiver() {
            return WebhookReceiver.builder().signingKey("test", "k1").allowNoHandlers().build();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnReceiverWithTheMethods {
        @Bean
        WebhookReceiver webhookReceiver(RefoldWebhookMethodProcessor methods) {
            WebhookReceiver.Builder builder = WebhookReceiver.builder().signingKey("test", "k1");
            methods.registerHandlers(builder);
            return builder.build();
        }
    }

    @Test
    void aReceiverOfTheApplicationsOwnThatLeavesOutTheHandlerMethodsFailsStartupNamingThem() {
        runner.withUserConfiguration(OwnReceiver.class).withBean(ErroredHandler.class)
                .run(context -> assertThat(context.getStartupFailure())
                        .hasStackTraceContaining("ErroredHandler.on(WorkflowErrored)")
                        .hasStackTraceContaining("registerHandlers"));
    }

    @Test
    void aReceiverOfTheApplicationsOwnMayRegisterTheHandlerMethods() {
        runner.withUserConfiguration(OwnReceiverWithTheMethods.class).withBean(ErroredHandler.class)
                .run(context -> assertThat(context.getBean(WebhookReceiver.class)
                        .receive(TestDeliveries.withKey("k1").of(EventType.WORKFLOW_ERRORED)).outcome())
                        .isEqualTo(Outcome.PROCESSED));
    }
}
