package ai.refold.webhooks.spring;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Names from the shortest up, each unique; a name one handler reaches last does not stop another from moving on. */
class HandlerNamesTest {

    // A handler as its candidate names: Type.method, Type.method(Event), bean.method, bean.method(Event).
    private static List<String> handler(String type, String bean) {
        return List.of(type + ".on", type + ".on(WorkflowErrored)", bean + ".on", bean + ".on(WorkflowErrored)");
    }

    @Test
    void aBeanNamedLikeAnotherHandlersClassStillGetsEveryHandlerANameOfItsOwn() {
        // Two beans of class Billing, one of them named "Audit" (@Component("Audit")), and a bean of class Audit.
        List<String> named = handler("Billing", "Audit");
        List<String> other = handler("Billing", "billing2");
        List<String> audit = handler("Audit", "audit");

        Map<List<String>, String> names = HandlerNames.of(List.of(named, other, audit), candidates -> candidates);

        assertThat(names.values()).doesNotHaveDuplicates().hasSize(3);
        assertThat(names.get(other)).isEqualTo("billing2.on");
    }

    @Test
    void aMethodWithoutAnotherOfItsNameKeepsTheShortestName() {
        List<String> billing = handler("Billing", "billing");
        List<String> audit = handler("Audit", "audit");

        assertThat(HandlerNames.of(List.of(billing, audit), candidates -> candidates))
                .containsEntry(billing, "Billing.on").containsEntry(audit, "Audit.on");
    }

    @Test
    void twoHandlersThatShareEvenTheirLastNameAreRefused() {
        List<String> one = handler("Billing", "billing");
        List<String> same = List.copyOf(handler("Billing", "billing"));

        assertThatThrownBy(() -> HandlerNames.of(List.of(one, same), candidates -> candidates))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("billing.on(WorkflowErrored)");
    }
}
