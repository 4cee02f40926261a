package ai.refold.webhooks.spring;

import ai.refold.webhooks.DeliveryContext;
import ai.refold.webhooks.event.EventType;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a bean method as a handler of Refold events. The method's first parameter selects the events: a concrete
 * event such as {@code WorkflowErrored}, a family such as {@code ConnectionEvent}, {@code UnknownEvent}, or
 * {@code WebhookEvent} for all. An optional second parameter of type {@link DeliveryContext} receives the
 * delivery's metadata. The method returns {@code void}; if it throws, the delivery is answered 500 and released so
 * that Refold retries it. A method whose work finishes later returns a Reactor {@code Mono} (subscribed to when the
 * method returns, on the thread that called it) or a {@code CompletionStage}: the event is handled when it
 * completes, and an error is answered 500 and released as a throw is.
 *
 * <pre>{@code
 * @Component
 * class RefoldHandlers {
 *     @RefoldWebhook
 *     void onExpired(ConnectionExpired event) { ... }
 *
 *     @RefoldWebhook(workflowIds = "6495792b9b6ca6d77a17e513")
 *     void onError(WorkflowErrored event, DeliveryContext context) { ... }
 *
 *     @RefoldWebhook
 *     Mono<Void> onCompleted(WorkflowCompleted event) { return runs.markDone(event.instanceId()); }
 * }
 * }</pre>
 *
 * <p>Methods are found on every bean when the application context starts, the way {@code @EventListener} methods
 * are; a method with another signature fails startup with a message naming it.
 */
@Target({ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface RefoldWebhook {

    /**
     * Narrows the handler to these event types; empty means every type the parameter accepts.
     *
     * @return the event types the handler takes; empty for every type its parameter accepts
     */
    EventType[] types() default {};

    /**
     * Narrows the handler to workflow events of these workflows; empty means no narrowing. Only allowed when the
     * parameter can be a workflow event.
     *
     * @return the ids of the workflows whose events the handler takes; empty for every workflow
     */
    String[] workflowIds() default {};
}
