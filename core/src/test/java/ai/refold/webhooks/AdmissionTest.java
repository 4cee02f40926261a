package ai.refold.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.Samples;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.signature.WebhookSigner;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;

/** The forward-mode API: admit, let the application answer, then finish. */
class AdmissionTest {

    private static final String API_KEY = "test-api-key-0123456789";
    private static final byte[] BODY = Samples.of(EventType.WORKFLOW_ERRORED);

    private final MutableClock clock = MutableClock.at("2026-11-01T10:00:00Z");
    private final WebhookReceiver receiver = WebhookReceiver.builder().signingKey("test", API_KEY).clock(clock)
            .allowNoHandlers().build();

    private Admission.Admitted admitted(DeliveryRequest request) {
        Admission admission = receiver.admit(request);
        assertThat(admission).isInstanceOf(Admission.Admitted.class);
        return (Admission.Admitted) admission;
    }

    private DeliveryResult rejection(DeliveryRequest request) {
        Admission admission = receiver.admit(request);
        assertThat(admission).isInstanceOf(Admission.Answered.class);
        return ((Admission.Answered) admission).result();
    }

    private static DeliveryRequest signed(byte[] body) {
        return DeliveryRequest.of("POST", Headers.of("x-cobalt-signature", WebhookSigner.of(API_KEY).sign(body)),
                body);
    }

    @Test
    void admitsAVerifiedEventWithItsContext() {
        Admission.Admitted admission = admitted(signed(BODY));

        assertThat(admission.isAdmitted()).isTrue();
        assertThat(admission.event()).isInstanceOf(WorkflowErrored.class);
        assertThat(admission.context().keyLabel()).isEqualTo("test");
        assertThat(admission.context().receivedAt()).isEqualTo(clock.instant());
        assertThat(admission.toString()).isEqualTo("Admission.Admitted[key=workflow-errored:-:656f308b9144bb8f183bfc7b]");
    }

    @Test
    void completesTheEventWhenFinishedWithA2xx() {
        Admission.Admitted admission = admitted(signed(BODY));

        DeliveryResult result = admission.finish(204);

        assertThat(result.outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(result.status()).isEqualTo(204);
        DeliveryResult copy = rejection(signed(BODY));
        assertThat(copy.outcome()).isEqualTo(Outcome.DUPLICATE);
        assertThat(copy.status()).isEqualTo(200);
    }

    @Test
    void releasesTheEventWhenFinishedWithAnError() {
        Admission.Admitted admission = admitted(signed(BODY));

        DeliveryResult result = admission.finish(500);

        assertThat(result.outcome()).isEqualTo(Outcome.HANDLER_FAILED);
        assertThat(result.status()).isEqualTo(500);
        admitted(signed(BODY));
    }

    @Test
    void passesAnApplicationClientErrorThroughAndReleases() {
        DeliveryResult result = admitted(signed(BODY)).finish(422);

        assertThat(result.status()).isEqualTo(422);
        assertThat(result.outcome()).isEqualTo(Outcome.HANDLER_FAILED);
        admitted(signed(BODY));
    }

    @Test
    void answersARedirectAs500SinceRefoldWouldNotFollowIt() {
        DeliveryResult result = admitted(signed(BODY)).finish(302);

        assertThat(result.status()).isEqualTo(500);
        admitted(signed(BODY));
    }

    @Test
    void releasesTheEventWhenFailed() {
        Admission.Admitted admission = admitted(signed(BODY));

        DeliveryResult result = admission.fail(new IOException("application crashed"));

        assertThat(result.outcome()).isEqualTo(Outcome.HANDLER_FAILED);
        assertThat(result.status()).isEqualTo(500);
        admitted(signed(BODY));
    }

    @Test
    void refusesToEndAnAdmissionTwice() {
        Admission.Admitted admission = admitted(signed(BODY));
        admission.finish(200);

        assertThatThrownBy(() -> admission.finish(200)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> admission.fail(new RuntimeException())).isInstanceOf(IllegalStateException.class);
        assertThat(rejection(signed(BODY)).outcome()).isEqualTo(Outcome.DUPLICATE);
    }

    @Test
    void refusesToEndAFailedAdmissionAgain() {
        Admission.Admitted admission = admitted(signed(BODY));
        admission.fail(new RuntimeException("x"));

        assertThatThrownBy(() -> admission.finish(200)).isInstanceOf(IllegalStateException.class);
        admitted(signed(BODY));
    }

    @Test
    void refusesAStatusThatIsNotHttp() {
        Admission.Admitted admission = admitted(signed(BODY));

        assertThatThrownBy(() -> admission.finish(42)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> admission.finish(600)).isInstanceOf(IllegalArgumentException.class);
        assertThat(admission.finish(200).status()).isEqualTo(200);
    }

    @Test
    void rejectsWhatReceiveWouldRejectWithTheSameAnswer() {
        DeliveryRequest unsigned = DeliveryRequest.of("POST", Headers.empty(), BODY);
        Admission admission = receiver.admit(unsigned);

        assertThat(admission.isAdmitted()).isFalse();
        assertThat(admission).isEqualTo(new Admission.Answered(receiver.receive(unsigned)));
        assertThat(((Admission.Answered) admission).result().status()).isEqualTo(401);
        assertThat(admission.toString()).contains("SIGNATURE_MISSING");
    }

    @Test
    void holdsTheClaimSoACopyIsInProgressUntilFinished() {
        Admission.Admitted admission = admitted(signed(BODY));

        assertThat(((Admission.Answered) receiver.admit(signed(BODY))).result().status()).isEqualTo(409);
        admission.finish(200);
        assertThat(((Admission.Answered) receiver.admit(signed(BODY))).result().outcome())
                .isEqualTo(Outcome.DUPLICATE);
    }

    @Test
    void admitsFromAStream() {
        Admission admission = receiver.admit("PATCH", Headers.of("x-cobalt-signature",
                WebhookSigner.of(API_KEY).sign(BODY)), new ByteArrayInputStream(BODY), BODY.length);
        Admission tooBig = receiver.admit("POST", Headers.empty(), new ByteArrayInputStream(BODY), 2L << 20);

        assertThat(admission.isAdmitted()).isTrue();
        assertThat(((Admission.Admitted) admission).finish(200).outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(((Admission.Answered) tooBig).result().status()).isEqualTo(413);
    }
}
