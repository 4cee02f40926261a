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
            .build();

    private static DeliveryRequest signed(byte[] body) {
        return DeliveryRequest.of("POST", Headers.of("x-cobalt-signature", WebhookSigner.of(API_KEY).sign(body)),
                body);
    }

    @Test
    void admitsAVerifiedEventWithItsContext() {
        Admission admission = receiver.admit(signed(BODY));

        assertThat(admission.isAdmitted()).isTrue();
        assertThat(admission.event()).isInstanceOf(WorkflowErrored.class);
        assertThat(admission.context().keyLabel()).isEqualTo("test");
        assertThat(admission.context().receivedAt()).isEqualTo(clock.instant());
        assertThat(admission.toString()).contains("admitted");
        assertThatThrownBy(admission::rejection).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void completesTheEventWhenFinishedWithA2xx() {
        Admission admission = receiver.admit(signed(BODY));

        DeliveryResult result = admission.finish(204);

        assertThat(result.outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(result.status()).isEqualTo(204);
        Admission copy = receiver.admit(signed(BODY));
        assertThat(copy.isAdmitted()).isFalse();
        assertThat(copy.rejection().outcome()).isEqualTo(Outcome.DUPLICATE);
        assertThat(copy.rejection().status()).isEqualTo(200);
    }

    @Test
    void releasesTheEventWhenFinishedWithAnError() {
        Admission admission = receiver.admit(signed(BODY));

        DeliveryResult result = admission.finish(500);

        assertThat(result.outcome()).isEqualTo(Outcome.HANDLER_FAILED);
        assertThat(result.status()).isEqualTo(500);
        assertThat(receiver.admit(signed(BODY)).isAdmitted()).isTrue();
    }

    @Test
    void passesAnApplicationClientErrorThroughAndReleases() {
        DeliveryResult result = receiver.admit(signed(BODY)).finish(422);

        assertThat(result.status()).isEqualTo(422);
        assertThat(result.outcome()).isEqualTo(Outcome.HANDLER_FAILED);
        assertThat(receiver.admit(signed(BODY)).isAdmitted()).isTrue();
    }

    @Test
    void answersARedirectAs500SinceRefoldWouldNotFollowIt() {
        DeliveryResult result = receiver.admit(signed(BODY)).finish(302);

        assertThat(result.status()).isEqualTo(500);
        assertThat(receiver.admit(signed(BODY)).isAdmitted()).isTrue();
    }

    @Test
    void releasesTheEventWhenFailed() {
        Admission admission = receiver.admit(signed(BODY));

        DeliveryResult result = admission.fail(new IOException("application crashed"));

        assertThat(result.outcome()).isEqualTo(Outcome.HANDLER_FAILED);
        assertThat(result.status()).isEqualTo(500);
        assertThat(receiver.admit(signed(BODY)).isAdmitted()).isTrue();
    }

    @Test
    void refusesToEndAnAdmissionTwice() {
        Admission admission = receiver.admit(signed(BODY));
        admission.finish(200);

        assertThatThrownBy(() -> admission.finish(200)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> admission.fail(new RuntimeException())).isInstanceOf(IllegalStateException.class);
        assertThat(receiver.admit(signed(BODY)).rejection().outcome()).isEqualTo(Outcome.DUPLICATE);
    }

    @Test
    void refusesToEndAFailedAdmissionAgain() {
        Admission admission = receiver.admit(signed(BODY));
        admission.fail(new RuntimeException("x"));

        assertThatThrownBy(() -> admission.finish(200)).isInstanceOf(IllegalStateException.class);
        assertThat(receiver.admit(signed(BODY)).isAdmitted()).isTrue();
    }

    @Test
    void refusesAStatusThatIsNotHttp() {
        Admission admission = receiver.admit(signed(BODY));

        assertThatThrownBy(() -> admission.finish(42)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> admission.finish(600)).isInstanceOf(IllegalArgumentException.class);
        assertThat(admission.finish(200).status()).isEqualTo(200);
    }

    @Test
    void rejectsWhatReceiveWouldRejectAndCannotBeFinished() {
        Admission unsigned = receiver.admit(DeliveryRequest.of("POST", Headers.empty(), BODY));

        assertThat(unsigned.isAdmitted()).isFalse();
        assertThat(unsigned.rejection().status()).isEqualTo(401);
        assertThat(unsigned.toString()).contains("signature_missing");
        assertThatThrownBy(() -> unsigned.finish(200)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(unsigned::event).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(unsigned::context).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void holdsTheClaimSoACopyIsInProgressUntilFinished() {
        Admission admission = receiver.admit(signed(BODY));

        assertThat(receiver.receive(signed(BODY)).status()).isEqualTo(409);
        admission.finish(200);
        assertThat(receiver.receive(signed(BODY)).outcome()).isEqualTo(Outcome.DUPLICATE);
    }

    @Test
    void admitsFromAStream() {
        Admission admission = receiver.admit("PATCH", Headers.of("x-cobalt-signature",
                WebhookSigner.of(API_KEY).sign(BODY)), new ByteArrayInputStream(BODY), BODY.length);
        Admission tooBig = receiver.admit("POST", Headers.empty(), new ByteArrayInputStream(BODY), 2L << 20);

        assertThat(admission.isAdmitted()).isTrue();
        assertThat(admission.finish(200).outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(tooBig.rejection().status()).isEqualTo(413);
    }
}
