package ai.refold.webhooks.event;

import java.util.Objects;
import java.util.Optional;

/** A workflow execution stopped because of an error; the usual reaction is to alert or retry. */
public record WorkflowErrored(
        String instanceId,
        Optional<String> linkedAccountId,
        Optional<String> workflowId,
        Optional<String> configId,
        Optional<String> workflowName,
        Optional<String> status,
        Optional<String> environment,
        RawPayload payload) implements WorkflowEvent {

    public WorkflowErrored {
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
        return EventType.WORKFLOW_ERRORED.optional();
    }

    @Override
    public Optional<String> eventName() {
        return EventType.WORKFLOW_ERRORED.optionalWireName();
    }
}
