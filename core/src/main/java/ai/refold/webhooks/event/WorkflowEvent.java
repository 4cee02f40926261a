package ai.refold.webhooks.event;

import java.util.Optional;

/** An event about one execution (instance) of a workflow: completed or errored. */
public sealed interface WorkflowEvent extends WebhookEvent permits WorkflowCompleted, WorkflowErrored {

    /** Returns the workflow execution this event reports on; Refold's advice is to deduplicate on it. */
    String instanceId();

    /** Returns the linked account the workflow ran for, if sent. */
    Optional<String> linkedAccountId();

    /** Returns the workflow, if sent. */
    Optional<String> workflowId();

    /** Returns the workflow configuration, if sent. */
    Optional<String> configId();

    /** Returns the workflow's display name, if sent. */
    Optional<String> workflowName();

    /** Returns the execution status as sent, for example {@code "ERRORED"}. */
    Optional<String> status();

    /** Returns {@code "test"} or {@code "live"}, if sent. */
    Optional<String> environment();
}
