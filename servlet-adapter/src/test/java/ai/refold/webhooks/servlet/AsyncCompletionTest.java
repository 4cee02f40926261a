package ai.refold.webhooks.servlet;

import ai.refold.webhooks.Admission;
import ai.refold.webhooks.DeliveryRequest;
import ai.refold.webhooks.Headers;
import ai.refold.webhooks.Outcome;
import ai.refold.webhooks.WebhookReceiver;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.http.HttpServletResponse;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Proxy;

import static ai.refold.webhooks.servlet.Deliveries.API_KEY;
import static ai.refold.webhooks.servlet.Deliveries.SIGNATURE_HEADER;
import static ai.refold.webhooks.servlet.Deliveries.SIGNED;
import static ai.refold.webhooks.servlet.Deliveries.workflowCompleted;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * How forward mode ends a delivery whose application went asynchronous and then failed. A container reports such a
 * failure (typically the sender hanging up while the answer was flushed) with {@code onError}, which no test can
 * make a container raise on cue, so the listener is called here as the container calls it.
 */
class AsyncCompletionTest {

    private final WebhookReceiver receiver = WebhookReceiver.builder().signingKey("test", API_KEY)
            .allowNoHandlers().build();
    private final DeliveryRequest delivery = signed(workflowCompleted("inst-async-error"));

    @Test
    void anErrorAfterA2xxWasSentRecordsTheEventAsDone() {
        Admission.Admitted admitted = (Admission.Admitted) receiver.admit(delivery);
        HttpServletResponse response = response(200, true);

        new RefoldWebhookFilter.AsyncCompletion(admitted, response).onError(brokenPipe(response));

        assertThat(receiver.admit(delivery)).isInstanceOfSatisfying(Admission.Answered.class,
                copy -> assertThat(copy.result().outcome()).isEqualTo(Outcome.DUPLICATE));
    }

    @Test
    void anErrorBeforeTheAnswerWasSentReleasesTheEventForTheRetry() {
        Admission.Admitted admitted = (Admission.Admitted) receiver.admit(delivery);
        HttpServletResponse response = response(200, false);

        new RefoldWebhookFilter.AsyncCompletion(admitted, response).onError(brokenPipe(response));

        assertThat(receiver.admit(delivery)).isInstanceOf(Admission.Admitted.class);
    }

    @Test
    void anErrorAfterA500WasSentReleasesTheEventForTheRetry() {
        Admission.Admitted admitted = (Admission.Admitted) receiver.admit(delivery);
        HttpServletResponse response = response(500, true);

        new RefoldWebhookFilter.AsyncCompletion(admitted, response).onError(brokenPipe(response));

        assertThat(receiver.admit(delivery)).isInstanceOf(Admission.Admitted.class);
    }

    // A committed 200 is not a handled event when the application failed after it (its buffer filled, then it threw):
    // only a connection failure keeps the status sent.
    @Test
    void anApplicationFailureAfterA2xxWasCommittedReleasesTheEventForTheRetry() {
        Admission.Admitted admitted = (Admission.Admitted) receiver.admit(delivery);
        HttpServletResponse response = response(200, true);

        new RefoldWebhookFilter.AsyncCompletion(admitted, response).onError(new AsyncEvent(null, null, response,
                new IllegalStateException("database down")));

        assertThat(receiver.admit(delivery)).isInstanceOf(Admission.Admitted.class);
    }

    private static DeliveryRequest signed(byte[] body) {
        return DeliveryRequest.of("POST", Headers.of(SIGNATURE_HEADER, SIGNED.signature(body)), body);
    }

    private static AsyncEvent brokenPipe(HttpServletResponse response) {
        return new AsyncEvent(null, null, response, new IOException("Broken pipe"));
    }

    // The response as the listener sees it when the container reports the error: only its status and whether it
    // was committed are read.
    private static HttpServletResponse response(int status, boolean committed) {
        return (HttpServletResponse) Proxy.newProxyInstance(AsyncCompletionTest.class.getClassLoader(),
                new Class<?>[] {HttpServletResponse.class}, (proxy, method, arguments) -> switch (method.getName()) {
                    case "getStatus" -> status;
                    case "isCommitted" -> committed;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
