package ai.refold.webhooks;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.UnknownEvent;
import ai.refold.webhooks.event.WebhookEvent;
import ai.refold.webhooks.event.WorkflowEvent;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * Which events a handler takes: every event of a class, narrowed if wanted to some event types and to some
 * workflows. The same filter serves plain Java, the servlet filter and {@code @RefoldWebhook} methods.
 *
 * <pre>{@code
 * EventFilter<WorkflowEvent> exports = EventFilter.of(WorkflowEvent.class)
 *         .withWorkflowIds("6495792b9b6ca6d77a17e513");
 * builder.on(exports, (event, context) -> exportRuns.record(event.instanceId()));
 * }</pre>
 *
 * @param eventClass  the events' class: a concrete event such as {@code WorkflowErrored}, a family such as
 *                    {@code ConnectionEvent}, {@code UnknownEvent}, or {@code WebhookEvent} for all
 * @param types       the event types taken; empty for every type the class allows
 * @param workflowIds the workflows whose events are taken; empty for no narrowing by workflow
 * @param <E>         the events' class
 */
public record EventFilter<E extends WebhookEvent>(Class<E> eventClass, Set<EventType> types,
                                                  Set<String> workflowIds) {

    /**
     * Creates a filter, keeping immutable copies of the sets.
     *
     * @param eventClass  the events' class
     * @param types       the event types taken; empty for every type the class allows
     * @param workflowIds the workflows whose events are taken; empty for no narrowing by workflow
     * @throws NullPointerException     if an argument or an element is null
     * @throws IllegalArgumentException if a type is not an instance of {@code eventClass}, or workflow ids are
     *                                  given for a class that is never a workflow event
     */
    public EventFilter {
        Objects.requireNonNull(eventClass, "eventClass");
        types = Set.copyOf(types);
        workflowIds = Set.copyOf(workflowIds);
        for (EventType type : types) {
            if (!eventClass.isAssignableFrom(type.eventClass())) {
                throw new IllegalArgumentException("event type '" + type.wireName() + "' is never a "
                        + eventClass.getSimpleName());
            }
        }
        if (!workflowIds.isEmpty() && !eventClass.isAssignableFrom(WorkflowEvent.class)
                && !WorkflowEvent.class.isAssignableFrom(eventClass)) {
            throw new IllegalArgumentException("workflow ids narrow workflow events, but a "
                    + eventClass.getSimpleName() + " is never one");
        }
        for (String id : workflowIds) {
            if (id.isBlank()) {
                throw new IllegalArgumentException("a workflow id must not be blank");
            }
        }
    }

    /**
     * {@return a filter taking every event of {@code eventClass}}
     *
     * @param eventClass the events' class, for example {@code WorkflowErrored.class} or {@code WebhookEvent.class}
     * @param <E>        the events' class
     * @throws NullPointerException if {@code eventClass} is null
     */
    public static <E extends WebhookEvent> EventFilter<E> of(Class<E> eventClass) {
        return new EventFilter<>(eventClass, Set.of(), Set.of());
    }

    /**
     * {@return a copy of this filter taking only events of {@code types}; none given means every type}
     *
     * @param types the event types to take, each an instance of this filter's class
     * @throws IllegalArgumentException if a type is not an instance of this filter's class
     */
    public EventFilter<E> withTypes(EventType... types) {
        Set<EventType> set = types.length == 0 ? Set.of() : EnumSet.copyOf(Arrays.asList(types));
        return new EventFilter<>(eventClass, set, workflowIds);
    }

    /**
     * {@return a copy of this filter taking only workflow events of these workflows; none given means every
     * workflow} Events without a {@code workflow_id} are then not taken.
     *
     * @param workflowIds the ids of the workflows whose events are taken, without repeats
     * @throws IllegalArgumentException if this filter's class is never a workflow event, or an id is blank
     */
    public EventFilter<E> withWorkflowIds(String... workflowIds) {
        return new EventFilter<>(eventClass, types, Set.of(workflowIds));
    }

    /**
     * {@return whether {@code event} passes this filter: it is of the filter's class, of one of its types if any are
     * set, and of one of its workflows if any are set}
     *
     * @param event the event to test
     */
    public boolean accepts(WebhookEvent event) {
        return eventClass.isInstance(event) && acceptsType(event.eventType().orElse(null))
                && acceptsWorkflowOf(event);
    }

    // Whether events of this kind can pass, a null type standing for UnknownEvent: decided once per kind when the
    // route table is built, so that only the workflow id is left to check per delivery.
    boolean acceptsKind(EventType type) {
        Class<? extends WebhookEvent> kind = type == null ? UnknownEvent.class : type.eventClass();
        return eventClass.isAssignableFrom(kind) && acceptsType(type)
                && (workflowIds.isEmpty() || WorkflowEvent.class.isAssignableFrom(kind));
    }

    boolean acceptsWorkflowOf(WebhookEvent event) {
        return workflowIds.isEmpty() || event instanceof WorkflowEvent workflow
                && workflow.workflowId().map(workflowIds::contains).orElse(false);
    }

    private boolean acceptsType(EventType type) {
        return types.isEmpty() || type != null && types.contains(type);
    }
}
