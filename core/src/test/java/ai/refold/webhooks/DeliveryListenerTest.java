package ai.refold.webhooks;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.WebhookEvent;
import ai.refold.webhooks.event.Samples;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.signature.WebhookSigner;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DeliveryListenerTest {

    private static final String KEY = "listener-test-key";

    private final List<Outcome> outcomes = new ArrayList<>();
    private final List<Duration> durations = new ArrayList<>();

    private DeliveryRequest signed(byte[] body) {
        return DeliveryRequest.of("POST", Headers.of("x-cobalt-signature", WebhookSigner.of(KEY).sign(body)), body);
    }

    @Test
    void everyDeliveryIsReportedOnceWithItsOutcomeAndElapsedTime() {
        WebhookReceiver receiver = WebhookReceiver.builder()
                .signingKey("test", KEY)
                .on(WorkflowErrored.class, (event, context) -> { })
                .listener((result, elapsed) -> {
                    outcomes.add(result.outcome());
                    durations.add(elapsed);
                })
                .build();
        byte[] body = Samples.of(EventType.WORKFLOW_ERRORED);

        receiver.receive(signed(body));
        receiver.receive(signed(body));
        receiver.receive(DeliveryRequest.of("POST", Headers.empty(), body));
        receiver.receive(DeliveryRequest.of("GET", Headers.empty(), new byte[0]));

        assertThat(outcomes).containsExactly(Outcome.PROCESSED, Outcome.DUPLICATE, Outcome.SIGNATURE_MISSING,
                Outcome.METHOD_NOT_ALLOWED);
        assertThat(durations).allSatisfy(elapsed -> assertThat(elapsed.isNegative()).isFalse());
    }

    @Test
    void aListenerThatThrowsDoesNotChangeTheAnswer() {
        List<Outcome> seenBySecond = new ArrayList<>();
        WebhookReceiver receiver = WebhookReceiver.builder()
                .signingKey("test", KEY)
                .listener((result, elapsed) -> {
                    throw new IllegalStateException("metrics backend down");
                })
                .listener((result, elapsed) -> seenBySecond.add(result.outcome()))
                .onAny((event, context) -> { })
                .build();

        DeliveryResult result = receiver.receive(signed(Samples.of(EventType.CONNECTION_CREATED)));

        assertThat(result.status()).isEqualTo(200);
        assertThat(seenBySecond).containsExactly(Outcome.PROCESSED);
    }

    // A linkage error from a mismatched metrics library, thrown out of a listener, escaped the handler's run and left
    // the delivery unended: its claim renewed for good, every copy answered 409 until Refold gave up.
    @Test
    void anErrorThrownByAListenerIsContainedAndTheDeliveryEndsAsItsHandlersDid() {
        List<Outcome> seen = new ArrayList<>();
        WebhookReceiver receiver = WebhookReceiver.builder()
                .signingKey("test", KEY)
                .onAny((event, context) -> { })
                .listener(new DeliveryListener() {
                    @Override
                    public void onDelivery(DeliveryResult result, Duration elapsed) {
                        seen.add(result.outcome());
                        throw new AssertionError("a listener's own bug");
                    }

                    @Override
                    public void onHandler(String handler, WebhookEvent event, Duration elapsed, Throwable failure) {
                        throw new NoSuchMethodError("io.micrometer.core.instrument.Timer$Builder.register");
                    }
                })
                .build();
        byte[] body = Samples.of(EventType.WORKFLOW_ERRORED);

        DeliveryResult first = receiver.receive(signed(body));
        DeliveryResult copy = receiver.receive(signed(body));

        assertThat(first.outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(copy.outcome()).as("recorded done, not left claimed").isEqualTo(Outcome.DUPLICATE);
        assertThat(seen).containsExactly(Outcome.PROCESSED, Outcome.DUPLICATE);
        assertThat(receiver.heartbeats().inFlight()).isEmpty();
    }

    @Test
    void theJvmsOwnErrorsAreNotContained() {
        WebhookReceiver receiver = WebhookReceiver.builder()
                .signingKey("test", KEY)
                .onAny((event, context) -> { })
                .listener((result, elapsed) -> {
                    throw new OutOfMemoryError("simulated");
                })
                .build();

        assertThatThrownBy(() -> receiver.receive(signed(Samples.of(EventType.WORKFLOW_ERRORED))))
                .isInstanceOf(OutOfMemoryError.class);
    }
}
