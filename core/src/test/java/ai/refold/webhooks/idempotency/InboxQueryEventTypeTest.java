package ai.refold.webhooks.idempotency;

import ai.refold.webhooks.event.EventType;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The event types a query can select, as the CLI and the refoldinbox endpoint check them before asking a store. */
class InboxQueryEventTypeTest {

    @Test
    void anEntryCanHaveEachDocumentedWireNameAsWrittenOrUnknown() {
        for (EventType type : EventType.values()) {
            assertThat(InboxQuery.isEventType(type.wireName())).as(type.wireName()).isTrue();
        }
        assertThat(InboxQuery.isEventType(InboxQuery.UNKNOWN_EVENT_TYPE)).isTrue();
    }

    @Test
    void noEntryCanHaveAnotherCaseASpellingOrAnUndocumentedName() {
        for (String name : new String[] {"Workflow errored", "workflow_errored", "Workflow%20Errored", "Unknown", "",
                " Workflow Errored", "Order Created"}) {
            assertThat(InboxQuery.isEventType(name)).as(name).isFalse();
        }
    }
}
