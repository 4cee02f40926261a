package ai.refold.webhooks;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.Samples;
import ai.refold.webhooks.signature.WebhookSigner;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.ByteArrayInputStream;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the whole pipeline: any method, headers and body, sometimes correctly signed, get one of the contract's
 * statuses, and 500 only when a handler threw. Replays {@code PipelineFuzzTestInputs} in {@code mvn verify}.
 */
class PipelineFuzzTest {

    private static final String KEY = "rk_live_pipeline_fuzz_8e2f6a4c1b9d";
    private static final WebhookSigner SIGNER = WebhookSigner.of(KEY);
    private static final String[] METHODS = {"POST", "PUT", "PATCH", "GET", "post", ""};
    private static final String[] HEADER_NAMES = {"x-cobalt-signature", "X-Cobalt-Signature", "content-type", "x-a"};
    private static final Set<Integer> CONTRACT = Set.of(200, 400, 401, 405, 409, 413, 500, 503);
    private static final Set<Outcome> NOT_FROM_THIS_RECEIVER = EnumSet.of(Outcome.ACCEPTED, Outcome.OVERLOADED);

    @FuzzTest(maxDuration = "5m")
    void anyRequestGetsAContractStatusAndA500OnlyWhenAHandlerThrew(FuzzedDataProvider data) {
        AtomicBoolean handlerThrew = new AtomicBoolean();
        boolean handlerFails = data.consumeBoolean();
        WebhookReceiver receiver = WebhookReceiver.builder()
                .signingKey("live", KEY)
                .maxBodyBytes(data.consumeInt(1, 4096))
                .onAny((event, context) -> {
                    if (handlerFails) {
                        handlerThrew.set(true);
                        throw new IllegalStateException("handler failed");
                    }
                })
                .build();
        String method = data.consumeBoolean() ? METHODS[data.consumeInt(0, METHODS.length - 1)]
                : data.consumeString(8);
        Headers.Builder headers = Headers.builder();
        int extra = data.consumeInt(0, 3);
        for (int i = 0; i < extra; i++) {
            headers.add(HEADER_NAMES[data.consumeInt(0, HEADER_NAMES.length - 1)], data.consumeString(80));
        }
        boolean signed = data.consumeBoolean();
        int framing = data.consumeInt(0, 2);
        byte[] body = data.consumeBoolean()
                ? Samples.of(EventType.values()[data.consumeInt(0, EventType.values().length - 1)])
                : data.consumeRemainingAsBytes();
        if (signed) {
            headers.add("x-cobalt-signature", SIGNER.sign(body));
        }
        Headers built = headers.build();

        DeliveryResult result = framing == 0
                ? receiver.receive(DeliveryRequest.of(method, built, body))
                : receiver.receive(method, built, new ByteArrayInputStream(body), framing == 1 ? body.length : -1);

        assertThat(CONTRACT).contains(result.status());
        assertThat(result.status()).isEqualTo(result.outcome().httpStatus());
        assertThat(result.outcome()).isNotIn(NOT_FROM_THIS_RECEIVER);
        if (result.status() == 500) {
            assertThat(handlerThrew).as("a 500 without a handler failing: %s", result.message()).isTrue();
        }
        assertThat(result.responseBody()).startsWith("{\"status\":\"" + result.outcome().code() + "\"")
                .doesNotContain("\n");
    }
}
