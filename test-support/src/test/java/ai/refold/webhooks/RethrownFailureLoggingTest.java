package ai.refold.webhooks;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.logcapture.CapturedEvent;
import ai.refold.webhooks.logcapture.LogCapture;
import ai.refold.webhooks.signature.WebhookSigner;
import ai.refold.webhooks.test.SamplePayloads;

import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A forwarded delivery whose application threw: {@link Admission.Admitted#fail} logs the failure with its stack
 * trace, for a caller that keeps it; {@link Admission.Admitted#failRethrown}, for a caller that rethrows it to a
 * container which logs it, records the same outcome and names the failure (its API keys masked, as in the stack
 * traces the receiver logs) without printing the stack trace a second time.
 */
class RethrownFailureLoggingTest {

    private static final String API_KEY = "rethrown-logging-api-key-0123456789";
    private static final String DELIVERY = "ai.refold.webhooks.delivery";

    private final WebhookReceiver receiver = WebhookReceiver.builder().signingKey("live", API_KEY)
            .allowNoHandlers().build();

    private Admission.Admitted admitted(EventType type) {
        byte[] body = SamplePayloads.of(type);
        Admission admission = receiver.admit(DeliveryRequest.of("POST",
                Headers.of("x-cobalt-signature", WebhookSigner.of(API_KEY).sign(body)), body));
        assertThat(admission).isInstanceOf(Admission.Admitted.class);
        return (Admission.Admitted) admission;
    }

    private static List<CapturedEvent> errors(LogCapture capture) {
        return capture.events().stream().filter(event -> event.level() == Level.ERROR
                && event.logger().equals(DELIVERY)).toList();
    }

    @Test
    void aFailureTheCallerKeepsIsLoggedWithItsStackTrace() {
        IllegalStateException failure = new IllegalStateException("inventory service is down");
        try (LogCapture capture = LogCapture.open()) {
            DeliveryResult result = admitted(EventType.WORKFLOW_ERRORED).fail(failure);

            assertThat(result.status()).isEqualTo(500);
            assertThat(result.outcome()).isEqualTo(Outcome.HANDLER_FAILED);
            assertThat(errors(capture)).singleElement().satisfies(line ->
                    assertThat(line.throwable()).isSameAs(failure));
        }
    }

    @Test
    void aFailureTheCallerRethrowsIsNamedInTheDeliveryLineWithoutItsStackTrace() {
        IllegalStateException failure = new IllegalStateException("call with key " + API_KEY + " refused");
        try (LogCapture capture = LogCapture.open()) {
            Admission.Admitted admitted = admitted(EventType.WORKFLOW_ERRORED);
            DeliveryResult result = admitted.failRethrown(failure);

            assertThat(result.status()).as("the same answer as fail").isEqualTo(500);
            assertThat(result.outcome()).isEqualTo(Outcome.HANDLER_FAILED);
            CapturedEvent line = errors(capture).get(0);
            assertThat(errors(capture)).hasSize(1);
            assertThat(line.throwable()).as("the container logs the stack trace").isNull();
            assertThat(line.message()).startsWith("refold delivery outcome=handler_failed status=500"
                    + " event=Workflow Errored key=workflow-errored:-:656f308b9144bb8f183bfc7b")
                    .contains("failure=\"java.lang.IllegalStateException: call with key ")
                    .doesNotContain(API_KEY);
            assertThat(line.keyValues()).containsEntry("outcome", "handler_failed").containsEntry("status", 500)
                    .containsKey("failure");
            assertThat(String.valueOf(line.keyValues().get("failure"))).doesNotContain(API_KEY);
        }
        // Released, as by fail: Refold's retry is admitted again.
        assertThat(admitted(EventType.WORKFLOW_ERRORED).context().idempotencyKey())
                .isEqualTo("workflow-errored:-:656f308b9144bb8f183bfc7b");
    }
}
