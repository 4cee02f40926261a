package ai.refold.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.Samples;
import ai.refold.webhooks.idempotency.InMemoryIdempotencyStore;
import ai.refold.webhooks.signature.WebhookSigner;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A shutdown that cancels a delivery between its admission and the start of its handlers, made to happen on purpose
 * by running the receiver's pieces one at a time: the delivery is answered as one that came after the shutdown
 * began, its handlers never run, and its claim, released by the cancellation, is not released again.
 */
class ShutdownRaceTest {

    private static final String API_KEY = "test-api-key-0123456789";
    private static final byte[] BODY = Samples.of(EventType.WORKFLOW_ERRORED);

    private final FaultyStore store = new FaultyStore(InMemoryIdempotencyStore.create());
    private final AtomicInteger handled = new AtomicInteger();
    private final List<Outcome> reported = new CopyOnWriteArrayList<>();
    private final WebhookReceiver.Builder builder = WebhookReceiver.builder().signingKey("test", API_KEY)
            .idempotencyStore(store).manualHeartbeats().onAny((event, context) -> handled.incrementAndGet())
            .listener((result, elapsed) -> reported.add(result.outcome()));
    private final Assembly parts = new Assembly(builder, new RouteTable(builder.routes));

    @Test
    void aSynchronousDeliveryCancelledBeforeItsHandlersStartIsRefusedAsAtShutdown() {
        Admission admission = admittedThenCancelled();

        DeliveryResult result = parts.dispatch.dispatch(admission);

        assertRefusedOnce(result);
        // The shutdown itself never began: the next copy is processed as usual.
        assertThat(parts.dispatch.dispatch(parts.pipeline.admit(signed(), System.nanoTime(), true)).outcome())
                .isEqualTo(Outcome.PROCESSED);
        assertThat(handled).hasValue(1);
    }

    @Test
    void anAsynchronousDispatchCancelledBeforeItsHandlersStartIsRefusedAsAtShutdown() throws Exception {
        Admission admission = admittedThenCancelled();

        DeliveryResult result = parts.dispatch.dispatchAsync(admission, Runnable::run).get();

        assertRefusedOnce(result);
    }

    @Test
    void aForwardedDeliveryCancelledBeforeTheCallerGetsItIsAnsweredInstead() {
        Admission admission = admittedThenCancelled();

        Admission started = ReceiverLifecycle.started(admission);

        assertThat(started).isInstanceOf(Admission.Answered.class);
        assertRefusedOnce(((Admission.Answered) started).result());
    }

    // Admits a delivery, then cancels what is in flight as a shutdown does, before anything starts the handlers.
    private Admission admittedThenCancelled() {
        Admission admission = parts.pipeline.admit(signed(), System.nanoTime(), true);
        assertThat(admission).isInstanceOf(Admission.Admitted.class);
        assertThat(parts.heartbeats.inFlight()).containsExactly((Leased) admission);
        assertThat(((Completion) admission).cancel()).isTrue();
        return admission;
    }

    private void assertRefusedOnce(DeliveryResult result) {
        assertThat(result.outcome()).isEqualTo(Outcome.OVERLOADED);
        assertThat(result.status()).isEqualTo(503);
        assertThat(result.message()).isEqualTo("receiver is shutting down; retry later");
        assertThat(handled).hasValue(0);
        assertThat(store.calls(FaultyStore.Operation.RELEASE)).isEqualTo(1);
        assertThat(store.calls(FaultyStore.Operation.COMPLETE)).isZero();
        assertThat(parts.heartbeats.inFlight()).isEmpty();
        assertThat(reported).as("the listeners hear of the cancelled delivery once")
                .containsExactly(Outcome.OVERLOADED);
    }

    private static DeliveryRequest signed() {
        return DeliveryRequest.of("POST", Headers.of("x-cobalt-signature", WebhookSigner.of(API_KEY).sign(BODY)),
                BODY);
    }
}
