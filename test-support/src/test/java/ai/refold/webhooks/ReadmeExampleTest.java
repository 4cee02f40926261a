package ai.refold.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import ai.refold.webhooks.event.ConnectionExpired;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.signature.WebhookSigner;
import ai.refold.webhooks.test.SamplePayloads;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

/** The in-memory example of docs/handlers-and-events.md, kept compiling and working. */
class ReadmeExampleTest {

    @Test
    void receivesASignedSampleAndRunsItsHandler() {
        List<String> alerts = new ArrayList<>();
        List<String> reconnects = new ArrayList<>();

        // README snippet start
        WebhookReceiver receiver = WebhookReceiver.builder()
                .signingKey("test", "my-refold-api-key")
                .on(ConnectionExpired.class, (event, context) -> reconnects.add(event.linkedAccountId()))
                .on(WorkflowErrored.class, (event, context) -> alerts.add(event.instanceId()))
                .build();

        byte[] body = SamplePayloads.of(EventType.WORKFLOW_ERRORED);
        String sig = WebhookSigner.of("my-refold-api-key").sign(body);
        DeliveryResult result = receiver.receive(DeliveryRequest.of("POST", Headers.of("x-cobalt-signature", sig), body));
        // answer result.status() (200) with result.responseBody()
        // README snippet end

        assertThat(result.status()).isEqualTo(200);
        assertThat(result.outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(alerts).containsExactly("656f308b9144bb8f183bfc7b");
        assertThat(reconnects).isEmpty();
        assertThat(receiver.receive(DeliveryRequest.of("POST", Headers.of("x-cobalt-signature", sig), body))
                .outcome()).isEqualTo(Outcome.DUPLICATE);
    }
}
