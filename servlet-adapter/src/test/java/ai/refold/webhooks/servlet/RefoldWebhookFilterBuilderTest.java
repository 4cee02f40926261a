package ai.refold.webhooks.servlet;

import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.idempotency.InMemoryInboxStore;

import org.junit.jupiter.api.Test;

import static ai.refold.webhooks.servlet.Deliveries.API_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RefoldWebhookFilterBuilderTest {

    @Test
    void forwardModeRefusesAReceiverWithHandlersWhichItWouldNeverRun() {
        WebhookReceiver withHandlers = WebhookReceiver.builder().signingKey("test", API_KEY)
                .on(WorkflowErrored.class, (event, context) -> { })
                .build();
        RefoldWebhookFilter.Builder forward = RefoldWebhookFilter.builder(withHandlers)
                .mode(RefoldWebhookFilter.Mode.FORWARD);

        assertThatThrownBy(forward::build)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("forward mode hands each event to the servlet behind the filter")
                .hasMessageContaining("must have no handlers and no inbox")
                .hasMessageContaining("Mode.ENDPOINT");
    }

    // An inbox stores and answers every delivery itself: the servlet behind the filter would never see one.
    @Test
    void forwardModeRefusesAReceiverWithAnInboxWhichWouldAnswerEveryDeliveryItself() {
        try (WebhookReceiver withInbox = WebhookReceiver.builder().signingKey("test", API_KEY).allowNoHandlers()
                .inbox(InMemoryInboxStore.create()).build()) {
            RefoldWebhookFilter.Builder forward = RefoldWebhookFilter.builder(withInbox)
                    .mode(RefoldWebhookFilter.Mode.FORWARD);

            assertThatThrownBy(forward::build).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("must have no handlers and no inbox")
                    .hasMessageContaining("inbox(...)");
        }
    }

    @Test
    void forwardModeTakesAReceiverWithoutHandlersAndEndpointModeOneWithHandlers() {
        WebhookReceiver withoutHandlers = WebhookReceiver.builder().signingKey("test", API_KEY).allowNoHandlers()
                .build();
        WebhookReceiver withHandlers = WebhookReceiver.builder().signingKey("test", API_KEY)
                .onAny((event, context) -> { })
                .build();

        assertThat(RefoldWebhookFilter.builder(withoutHandlers).mode(RefoldWebhookFilter.Mode.FORWARD).build()
                .mode()).isEqualTo(RefoldWebhookFilter.Mode.FORWARD);
        assertThat(RefoldWebhookFilter.builder(withHandlers).build().mode())
                .isEqualTo(RefoldWebhookFilter.Mode.ENDPOINT);
    }
}
