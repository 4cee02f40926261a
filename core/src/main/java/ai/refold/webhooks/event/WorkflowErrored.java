package ai.refold.webhooks.event;

import java.util.Objects;
import java.util.Optional;

/**
 * A workflow execution stopped because of an error; the usual reaction is to alert or retry.
 *
 * @param instanceId      the workflow execution the event reports on
 * @param linkedAccountId the linked account the workflow ran for, if sent
 * @param workflowId      the workflow, if sent
 * @param configId        the workflow configuration, if sent
 * @param workflowName    the workflow's display name, if sent
 * @param status          the execution status as sent, for example {@code "ERRORED"}
 * @param environment     {@code "test"} or {@code "live"}, if sent
 * @param payload         the raw body the event was parsed from
 */
public record WorkflowErrored(
        String instanceId,
        Optional<String> linkedAccountId,
        Optional<String> workflowId,
        Optional<String> configId,
        Optional<String> workflowName,
        Optional<String> status,
        Optional<String> environment,
        RawPayload payload) implements WorkflowEvent {

    /**
     * Creates the event; the parser creates one for each verified delivery of this type, and tests may create
     * their own.
     *
     * @param instanceId      the workflow execution the event reports on
     * @param linkedAccountId the linked account the workflow ran for, if sent
     * @param workflowId      the workflow, if sent
     * @param configId        the workflow configuration, if sent
     * @param workflowName    the workflow's display name, if sent
     * @param status          the execution status as sent, for example {@code "ERRORED"}
     * @param environment     {@code "test"} or {@code "live"}, if sent
     * @param payload         the raw body the event was parsed from
     * @throws NullPointerException if an argument is null
     */
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
