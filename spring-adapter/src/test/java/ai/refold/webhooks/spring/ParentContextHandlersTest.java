package ai.refold.webhooks.spring;

import ai.refold.webhooks.DeliveryResult;
import ai.refold.webhooks.Outcome;
import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.ConnectionCreated;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.spring.autoconfigure.RefoldWebhookAutoConfiguration;
import ai.refold.webhooks.test.TestDeliveries;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A receiver in a child context (the web application of {@code SpringApplicationBuilder.parent(...).child(...)}) and
 * {@code @RefoldWebhook} methods on beans of its parent: the child's deliveries are handled by them, as a child's
 * application events reach its parent's listeners, instead of being acknowledged unhandled.
 */
class ParentContextHandlersTest {

    private final WebApplicationContextRunner child = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RefoldWebhookAutoConfiguration.class))
            .withPropertyValues("refold.webhooks.keys.test=k1");

    static class ConnectionHandlers {
        final List<String> handled = new CopyOnWriteArrayList<>();

        @RefoldWebhook
        void onCreated(ConnectionCreated event) {
            handled.add(event.linkedAccountId());
        }
    }

    static class ErroredHandlers {
        final List<String> handled = new CopyOnWriteArrayList<>();

        @RefoldWebhook
        void onErrored(WorkflowErrored event) {
            handled.add(event.instanceId());
        }
    }

    private static AnnotationConfigApplicationContext parentWith(String name, Class<?> type) {
        AnnotationConfigApplicationContext parent = new AnnotationConfigApplicationContext();
        parent.registerBean(name, type);
        parent.refresh();
        return parent;
    }

    @Test
    void aHandlerOnAParentContextsBeanHandlesTheChildsDeliveriesBesideTheChildsOwn() {
        try (AnnotationConfigApplicationContext parent = parentWith("connectionHandlers", ConnectionHandlers.class)) {
            child.withParent(parent).withBean(ErroredHandlers.class).run(context -> {
                assertThat(context).hasNotFailed();
                WebhookReceiver receiver = context.getBean(WebhookReceiver.class);

                DeliveryResult created = receiver.receive(TestDeliveries.withKey("k1")
                        .of(EventType.CONNECTION_CREATED));
                DeliveryResult errored = receiver.receive(TestDeliveries.withKey("k1")
                        .of(EventType.WORKFLOW_ERRORED));

                assertThat(created.outcome()).isEqualTo(Outcome.PROCESSED);
                assertThat(errored.outcome()).isEqualTo(Outcome.PROCESSED);
                assertThat(parent.getBean(ConnectionHandlers.class).handled).hasSize(1);
                assertThat(context.getBean(ErroredHandlers.class).handled).hasSize(1);
                assertThat(context.getBean(RefoldWebhookMethodProcessor.class).handlerMethods())
                        .containsExactly("ErroredHandlers.onErrored(WorkflowErrored)",
                                "ConnectionHandlers.onCreated(ConnectionCreated)");
            });
        }
    }

    @Test
    void aChildWhoseOnlyHandlersAreInItsParentStartsAndRunsThem() {
        try (AnnotationConfigApplicationContext parent = parentWith("connectionHandlers", ConnectionHandlers.class)) {
            child.withParent(parent).run(context -> {
                assertThat(context).hasNotFailed();

                DeliveryResult created = context.getBean(WebhookReceiver.class)
                        .receive(TestDeliveries.withKey("k1").of(EventType.CONNECTION_CREATED));

                assertThat(created.outcome()).isEqualTo(Outcome.PROCESSED);
                assertThat(parent.getBean(ConnectionHandlers.class).handled).hasSize(1);
            });
        }
    }

    // Two web contexts under one parent, each with its receiver: each runs the parent's handler for what it receives.
    @Test
    void aParentsHandlerRunsForTheDeliveriesOfEachChildsReceiver() {
        try (AnnotationConfigApplicationContext parent = parentWith("connectionHandlers", ConnectionHandlers.class)) {
            child.withParent(parent).run(first -> child.withParent(parent).run(second -> {
                assertThat(first.getBean(WebhookReceiver.class)).isNotSameAs(second.getBean(WebhookReceiver.class));
                for (WebhookReceiver receiver : List.of(first.getBean(WebhookReceiver.class),
                        second.getBean(WebhookReceiver.class))) {
                    assertThat(receiver.receive(TestDeliveries.withKey("k1").of(EventType.CONNECTION_CREATED))
                            .outcome()).isEqualTo(Outcome.PROCESSED);
                }
                assertThat(parent.getBean(ConnectionHandlers.class).handled).hasSize(2);
            }));
        }
    }

    // A child's bean hides its parent's bean of the same name, for injection and for handlers alike.
    @Test
    void aChildsBeanHidesItsParentsBeanOfTheSameName() {
        try (AnnotationConfigApplicationContext parent = parentWith("handlers", ConnectionHandlers.class)) {
            child.withParent(parent).withBean("handlers", ErroredHandlers.class).run(context -> {
                assertThat(context.getBean(RefoldWebhookMethodProcessor.class).handlerMethods())
                        .containsExactly("ErroredHandlers.onErrored(WorkflowErrored)");
                assertThat(context.getBean(WebhookReceiver.class)
                        .receive(TestDeliveries.withKey("k1").of(EventType.CONNECTION_CREATED)).outcome())
                        .isEqualTo(Outcome.IGNORED);
            });
        }
    }

    // A parent's handler is checked as a child's is: on a prototype it stops the child's startup, naming the bean.
    @Test
    void aHandlerOnAPrototypeBeanOfTheParentFailsTheChildsStartupNamingIt() {
        try (AnnotationConfigApplicationContext parent = new AnnotationConfigApplicationContext()) {
            parent.registerBean("connectionHandlers", ConnectionHandlers.class,
                    definition -> definition.setScope(ConfigurableBeanFactory.SCOPE_PROTOTYPE));
            parent.refresh();
            child.withParent(parent).withBean(ErroredHandlers.class).run(context -> assertThat(
                    context.getStartupFailure()).rootCause().hasMessageContaining("ConnectionHandlers.onCreated")
                    .hasMessageContaining("'connectionHandlers'").hasMessageContaining("singleton"));
        }
    }
}
