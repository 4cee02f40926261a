package ai.refold.webhooks.event;

import java.util.Optional;

/** An event about one execution (instance) of a workflow: completed or errored. */
public sealed interface WorkflowEvent extends WebhookEvent permits WorkflowCompleted, WorkflowErrored {

    /** {@return the workflow execution this event reports on; Refold's advice is to deduplicate on it} */
    String instanceId();

    /** {@return the linked account the workflow ran for, if sent} */
    Optional<String> linkedAccountId();

    /** {@return the workflow, if sent} */
    Optional<String> workflowId();

    /** {@return the workflow configuration, if sent} */
    Optional<String> configId();

    /** {@return the workflow's display name, if sent} */
    Optional<String> workflowName();

    /** {@return the execution status as sent, for example {@code "ERRORED"}} */
    Optional<String> status();

    /** {@return {@code "test"} or {@code "live"}, if sent} */
    Optional<String> environment();
}
