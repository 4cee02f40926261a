package ai.refold.webhooks.event;

import java.util.Objects;
import java.util.Optional;

/** A workflow execution finished successfully. */
public record WorkflowCompleted(
        String instanceId,
        Optional<String> linkedAccountId,
        Optional<String> workflowId,
        Optional<String> configId,
        Optional<String> workflowName,
        Optional<String> status,
        Optional<String> environment,
        RawPayload payload) implements WorkflowEvent {

    public WorkflowCompleted {
        Objects.requireNonNull(instanceId, "instanceId");
        Objects.requireNonNull(linkedAccountId, "linkedAccountId");
        Objects.requireNonNull(workflowId, "workflowId");
        Objects.requireNonNull(configId, "configId");
        Objects.requireNonNull(workflowName, "workflowName");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(environment, "environment");
        Objects.requireNonNull(payload, "payload");
    }

    @Override
    public Optional<EventType> eventType() {
        return EventType.WORKFLOW_COMPLETED.optional();
    }

    @Override
    public Optional<String> eventName() {
        return EventType.WORKFLOW_COMPLETED.optionalWireName();
    }
}
