package ai.refold.webhooks.event;

import java.util.Optional;

/**
 * The five event types Refold documents, each with its wire name (the value of the payload's {@code event}
 * field) and the event class it parses to.
 */
public enum EventType {
    /** {@code "Connection Created"}: a linked account connected an app; parsed to {@link ConnectionCreated}. */
    CONNECTION_CREATED("Connection Created", ConnectionCreated.class),
    /** {@code "Connection Deleted"}: a linked account disconnected an app; parsed to {@link ConnectionDeleted}. */
    CONNECTION_DELETED("Connection Deleted", ConnectionDeleted.class),
    /**
     * {@code "Connection Expired"}: a connection's authentication expired or the connection no longer exists;
     * parsed to {@link ConnectionExpired}.
     */
    CONNECTION_EXPIRED("Connection Expired", ConnectionExpired.class),
    /** {@code "Workflow Completed"}: a workflow execution succeeded; parsed to {@link WorkflowCompleted}. */
    WORKFLOW_COMPLETED("Workflow Completed", WorkflowCompleted.class),
    /** {@code "Workflow Errored"}: a workflow execution stopped on an error; parsed to {@link WorkflowErrored}. */
    WORKFLOW_ERRORED("Workflow Errored", WorkflowErrored.class);

    private static final EventType[] VALUES = values();

    private final String wireName;
    private final Class<? extends WebhookEvent> eventClass;
    // Handed out by every event's eventType() and eventName(), so that asking allocates nothing.
    private final Optional<EventType> optional;
    private final Optional<String> optionalWireName;

    EventType(String wireName, Class<? extends WebhookEvent> eventClass) {
        this.wireName = wireName;
        this.eventClass = eventClass;
        this.optional = Optional.of(this);
        this.optionalWireName = Optional.of(wireName);
    }

    Optional<EventType> optional() {
        return optional;
    }

    Optional<String> optionalWireName() {
        return optionalWireName;
    }

    /** {@return the name as it appears on the wire, for example {@code "Workflow Errored"}} */
    public String wireName() {
        return wireName;
    }

    /** {@return the class that deliveries of this type parse to} */
    public Class<? extends WebhookEvent> eventClass() {
        return eventClass;
    }

    /** {@return whether this is one of the connection events} */
    public boolean isConnectionEvent() {
        return ConnectionEvent.class.isAssignableFrom(eventClass);
    }

    /** {@return whether this is one of the workflow events} */
    public boolean isWorkflowEvent() {
        return WorkflowEvent.class.isAssignableFrom(eventClass);
    }

    /**
     * {@return the type whose wire name is exactly {@code wireName}, or empty for any other value (Refold may add
     * event types; an unknown name is not an error)}
     *
     * @param wireName the payload's {@code event} field as sent
     */
    public static Optional<EventType> fromWireName(String wireName) {
        for (EventType type : VALUES) {
            if (type.wireName.equals(wireName)) {
                return type.optional;
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return wireName;
    }
}
