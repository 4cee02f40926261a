package ai.refold.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.refold.webhooks.event.EventParser;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.InvalidPayloadException;
import ai.refold.webhooks.event.Samples;
import ai.refold.webhooks.event.WorkflowEvent;
import ai.refold.webhooks.signature.WebhookSigner;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The defects of issue 16 ("safe by default") that core can show, one group per case, each named after it. Logging
 * (cases 2 and 6) is checked with a capturing logger in refold-webhooks-test; the adapters' cases in their modules.
 */
class SafeByDefaultTest {

    private static final String API_KEY = "test-api-key-0123456789";
    private static final String HEADER = "x-cobalt-signature";
    private static final byte[] ERRORED = Samples.of(EventType.WORKFLOW_ERRORED);
    private static final WebhookSigner SIGNER = WebhookSigner.of(API_KEY);

    private final List<String> handled = new ArrayList<>();

    private WebhookReceiver.Builder builder() {
        return WebhookReceiver.builder().signingKey("test", API_KEY)
                .onAny((event, context) -> handled.add(event.eventName().orElse("?")));
    }

    private static Headers signed(byte[] body) {
        return Headers.of(HEADER, SIGNER.sign(body));
    }

    // ---- 1. An unresolved placeholder becomes the signing key ----

    @Test
    void case1_anUnresolvedPlaceholderIsRefusedAsAKeyNamingTheLabelButNotTheValue() {
        assertThatThrownBy(() -> WebhookReceiver.builder().signingKey("live", "${REFOLD_LIVE_API_KEY}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'live'").hasMessageContaining("unresolved")
                .hasMessageNotContaining("REFOLD_LIVE_API_KEY");
        assertThatThrownBy(() -> WebhookReceiver.builder().signingKey("live", "sk_live_0123456789abcdef\n"))
                .hasMessageContaining("white space").hasMessageNotContaining("sk_live_0123456789abcdef");
    }

    // A .properties file, Docker's --env-file and kubectl's --from-env-file keep quotes as part of the value.
    @Test
    void case1_aKeyInQuotesIsRefusedNamingTheLabelButNotTheValue() {
        for (String quoted : new String[] {"\"sk_live_0123456789abcdef\"", "'sk_live_0123456789abcdef'"}) {
            assertThatThrownBy(() -> WebhookReceiver.builder().signingKey("live", quoted))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'live'").hasMessageContaining("quotes")
                    .hasMessageNotContaining("sk_live_0123456789abcdef");
        }
    }

    @Test
    void case1_aDeliverySignedWithAPlaceholdersTextIsRefused() {
        WebhookReceiver receiver = builder().build();
        String placeholderSignature = HmacOf.text("${REFOLD_API_KEY}", ERRORED);

        DeliveryResult result = receiver.receive(DeliveryRequest.of("POST", Headers.of(HEADER, placeholderSignature),
                ERRORED));

        assertThat(result.outcome()).isEqualTo(Outcome.SIGNATURE_MISMATCH);
        assertThat(handled).isEmpty();
    }

    // ---- 2. No handler, events acknowledged and lost ----

    @Test
    void case2_aReceiverWithoutHandlersIsRefusedUnlessThatIsMeant() {
        assertThatThrownBy(() -> WebhookReceiver.builder().signingKey("test", API_KEY).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("allowNoHandlers()");
        assertThat(WebhookReceiver.builder().signingKey("test", API_KEY).allowNoHandlers().build()).isNotNull();
    }

    @Test
    void case2_anEventNoHandlerTakesIsAnsweredIgnoredNotProcessed() {
        WebhookReceiver receiver = WebhookReceiver.builder().signingKey("test", API_KEY)
                .on(EventFilter.of(WorkflowEvent.class).withWorkflowIds("another-workflow"),
                        (event, context) -> handled.add("ran"))
                .acknowledgeFast(Runnable::run)
                .build();

        DeliveryResult result = receiver.receive(DeliveryRequest.of("POST", signed(ERRORED), ERRORED));

        assertThat(result.outcome()).isEqualTo(Outcome.IGNORED);
        assertThat(result.status()).isEqualTo(200);
        assertThat(result.message()).isEqualTo("no handler takes this event");
        assertThat(handled).isEmpty();
    }

    // ---- 4. Slowloris: cheap checks first, and a read deadline ----

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "sha256=abc", "not-hex-at-all-0000000000000000000000000000000000000000000000000",
        "0123456789abcdef"})
    void case4_aMissingOrMalformedSignatureHeaderIsAnsweredBeforeAnyBodyByteIsRead(String header) {
        WebhookReceiver receiver = builder().build();

        DeliveryResult result = receiver.receive("POST", Headers.of(HEADER, header), new UnreadableStream(), 5000);

        assertThat(result.status()).isEqualTo(401);
        assertThat(result.outcome()).isIn(Outcome.SIGNATURE_MISSING, Outcome.SIGNATURE_MALFORMED);
        assertThat(result.responseHeaders()).containsEntry("Connection", "close");
    }

    @Test
    void case4_aSignatureHeaderSentTwiceWithDifferentValuesIsAnsweredBeforeTheBodyIsRead() {
        Headers twice = Headers.builder().add(HEADER, "0".repeat(64)).add(HEADER, "1".repeat(64)).build();

        DeliveryResult result = builder().build().receive("POST", twice, new UnreadableStream(), 100);

        assertThat(result.outcome()).isEqualTo(Outcome.SIGNATURE_AMBIGUOUS);
    }

    @Test
    void case4_aBodyTricklingInPastTheReadDeadlineIsAnswered408AndClosed() {
        WebhookReceiver receiver = builder().readDeadline(Duration.ofMillis(100)).build();
        TricklingStream trickle = new TricklingStream(ERRORED, Duration.ofMillis(40));

        DeliveryResult result = receiver.receive("POST", signed(ERRORED), trickle, ERRORED.length);

        assertThat(result.outcome()).isEqualTo(Outcome.READ_TIMEOUT);
        assertThat(result.status()).isEqualTo(408);
        assertThat(result.responseHeaders()).containsEntry("Connection", "close");
        assertThat(result.message()).contains("100 ms");
        assertThat(trickle.read).as("bytes read before the deadline").isLessThan(ERRORED.length);
        assertThat(handled).isEmpty();
    }

    @Test
    void case4_aReadTimeoutReportedByTheContainerIs408AndAnyOtherFailure400() {
        WebhookReceiver receiver = builder().build();

        DeliveryResult timedOut = receiver.receive("POST", signed(ERRORED),
                new FailingStream(new SocketTimeoutException("Read timed out")), ERRORED.length);
        DeliveryResult jettyIdle = receiver.receive("POST", signed(ERRORED),
                new FailingStream(new IOException(new java.util.concurrent.TimeoutException("Idle timeout"))),
                ERRORED.length);
        DeliveryResult reset = receiver.receive("POST", signed(ERRORED),
                new FailingStream(new IOException("Connection reset by peer")), ERRORED.length);

        assertThat(timedOut.outcome()).isEqualTo(Outcome.READ_TIMEOUT);
        assertThat(jettyIdle.outcome()).isEqualTo(Outcome.READ_TIMEOUT);
        assertThat(reset.outcome()).isEqualTo(Outcome.BODY_UNREADABLE);
        assertThat(reset.status()).isEqualTo(400);
    }

    @Test
    void case4_aBodyPushedInPiecesIsProcessedWhenFinished() {
        WebhookReceiver receiver = builder().build();
        IncomingDelivery delivery = receiver.open("POST", signed(ERRORED), ERRORED.length);

        assertThat(delivery.refusal()).isEmpty();
        assertThat(delivery.timeLeft()).isPositive().isLessThanOrEqualTo(WebhookReceiver.DEFAULT_READ_DEADLINE);
        for (int i = 0; i < ERRORED.length; i += 7) {
            assertThat(delivery.accept(ERRORED, i, Math.min(7, ERRORED.length - i))).isEmpty();
        }
        Optional<DeliveryResult> answer = delivery.finish();

        assertThat(answer).hasValueSatisfying(result -> assertThat(result.outcome()).isEqualTo(Outcome.PROCESSED));
        assertThat(delivery.isReading()).isFalse();
        assertThat(delivery.finish()).as("a delivery ends once").isEmpty();
        assertThat(handled).containsExactly("Workflow Errored");
    }

    @Test
    void case4_anExpiredDeliveryAnswers408OnceAndTakesNoMoreBytes() {
        WebhookReceiver receiver = builder().build();
        IncomingDelivery delivery = receiver.open("POST", signed(ERRORED), ERRORED.length);
        delivery.accept(ERRORED, 0, 10);

        Optional<DeliveryResult> expired = delivery.expire();

        assertThat(expired).hasValueSatisfying(result -> assertThat(result.status()).isEqualTo(408));
        assertThat(delivery.expire()).isEmpty();
        assertThat(delivery.accept(ERRORED, 10, ERRORED.length - 10)).isEmpty();
        assertThat(delivery.finish()).isEmpty();
        assertThat(delivery.fail(new IOException("late"))).isEmpty();
        assertThat(handled).isEmpty();
    }

    @Test
    void case4_aTimerAndAReaderRacingEndTheDeliveryExactlyOnce() throws Exception {
        WebhookReceiver receiver = builder().build();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 200; round++) {
                IncomingDelivery delivery = receiver.open("POST", signed(ERRORED), ERRORED.length);
                delivery.accept(ERRORED, 0, ERRORED.length);
                CyclicBarrier start = new CyclicBarrier(2);
                Future<Optional<DeliveryResult>> reader = threads.submit(() -> {
                    start.await();
                    return delivery.finish();
                });
                Future<Optional<DeliveryResult>> timer = threads.submit(() -> {
                    start.await();
                    return delivery.expire();
                });
                Optional<DeliveryResult> read = reader.get();
                Optional<DeliveryResult> expired = timer.get();

                assertThat(read.isPresent() ^ expired.isPresent()).as("exactly one writer, round %d", round).isTrue();
            }
        } finally {
            threads.shutdownNow();
        }
    }

    // ---- 5. Memory: a budget for bytes in flight ----

    @Test
    void case5_aDeclaredLengthTheBudgetCannotHoldIsAnswered503BeforeItIsRead() {
        WebhookReceiver receiver = builder().bodyBudget(1000).build();

        DeliveryResult result = receiver.receive("POST", signed(ERRORED), new UnreadableStream(), 1001);

        assertThat(result.outcome()).isEqualTo(Outcome.BUSY);
        assertThat(result.status()).isEqualTo(503);
        assertThat(result.responseHeaders()).containsKeys("Retry-After").containsEntry("Connection", "close");
    }

    @Test
    void case5_bodiesInFlightHoldTheBudgetUntilTheirDeliveryIsAnswered() {
        WebhookReceiver receiver = builder().bodyBudget(2L * ERRORED.length).build();
        IncomingDelivery first = receiver.open("POST", signed(ERRORED), ERRORED.length);
        IncomingDelivery second = receiver.open("POST", signed(ERRORED), ERRORED.length);

        IncomingDelivery third = receiver.open("POST", signed(ERRORED), ERRORED.length);
        assertThat(third.refusal()).hasValueSatisfying(result -> assertThat(result.outcome()).isEqualTo(Outcome.BUSY));

        first.accept(ERRORED, 0, ERRORED.length);
        first.finish();
        second.expire();

        assertThat(receiver.open("POST", signed(ERRORED), ERRORED.length).refusal()).isEmpty();
        assertThat(receiver.open("POST", signed(ERRORED), ERRORED.length).refusal()).isEmpty();
    }

    @Test
    void case5_aChunkedBodyOutgrowingTheBudgetIsAnswered503() {
        WebhookReceiver receiver = builder().bodyBudget(64 * 1024).maxBodyBytes(1 << 20).build();

        DeliveryResult result = receiver.receive("POST", Headers.of(HEADER, "0".repeat(64)),
                new WebhookReceiverTest.EndlessStream(), -1);

        assertThat(result.outcome()).isEqualTo(Outcome.BUSY);
    }

    @Test
    void case5_concurrentOpeningsNeverHoldMoreThanTheBudget() throws Exception {
        WebhookReceiver receiver = builder().bodyBudget(10L * ERRORED.length).build();
        ExecutorService threads = Executors.newFixedThreadPool(8);
        List<Future<IncomingDelivery>> opened = new ArrayList<>();
        try {
            for (int i = 0; i < 32; i++) {
                opened.add(threads.submit(() -> receiver.open("POST", signed(ERRORED), ERRORED.length)));
            }
            int reading = 0;
            for (Future<IncomingDelivery> each : opened) {
                if (each.get().refusal().isEmpty()) {
                    reading++;
                }
            }
            assertThat(reading).as("deliveries holding the budget, none of them answered yet").isEqualTo(10);
        } finally {
            threads.shutdownNow();
        }
    }

    // An UncheckedIOException, or a container's IllegalStateException, is no IOException, yet the delivery it
    // interrupts must give back the declared length it reserved: else each one shrinks the budget until every
    // delivery is answered 503.
    @Test
    void case5_aBodyStreamThatThrowsAnUncheckedExceptionGivesItsBytesBackToTheBudget() {
        WebhookReceiver receiver = builder().bodyBudget(ERRORED.length).build();
        InputStream reset = new ThrowingStream(new UncheckedIOException(new IOException("Connection reset")));
        InputStream refused = new ThrowingStream(new IllegalStateException("getReader() has already been called"));

        assertThatThrownBy(() -> receiver.receive("POST", signed(ERRORED), reset, ERRORED.length))
                .isInstanceOf(UncheckedIOException.class);
        assertThatThrownBy(() -> receiver.admit("POST", signed(ERRORED), refused, ERRORED.length))
                .isInstanceOf(IllegalStateException.class);
        DeliveryResult next = receiver.receive("POST", signed(ERRORED), new ByteArrayInputStream(ERRORED),
                ERRORED.length);

        assertThat(next.outcome()).isEqualTo(Outcome.PROCESSED);
    }

    // ---- 8. A 400 reason never quotes the body ----

    @ParameterizedTest
    @ValueSource(strings = {"xyzzy", "{\"a\":xyzzy}", "{\"event\":\"Workflow Completed\",\"instance_id\":\"xyzzy",
        "{\"a\":tru}", "{\"xyzzy\" 1}", "{\"a\":\"\\xyzzy\"}", "{xyzzy}", "{\"a\":1xyzzy}", "{\"a\":-xyzzy}",
        "{\"a\":'xyzzy'}", "{\"a\":1}xyzzy", "{\"a\":[1,}xyzzy"})
    void case8_aReasonForAnInvalidPayloadQuotesNoneOfTheBody(String json) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        DeliveryResult result = builder().build().receive(DeliveryRequest.of("POST", signed(body), body));

        assertThat(result.outcome()).isEqualTo(Outcome.INVALID_PAYLOAD);
        assertThat(result.message()).startsWith("body is not valid JSON").doesNotContain("xyz", "tru'", "'x");
        assertThatThrownBy(() -> EventParser.standard().readTree(body)).isInstanceOf(InvalidPayloadException.class)
                .hasMessageNotContaining("xyz");
    }

    @Test
    void case8_aReasonStillSaysWhatAndWhere() {
        byte[] body = "{\"a\":xyzzy}".getBytes(StandardCharsets.UTF_8);

        String reason = builder().build().receive(DeliveryRequest.of("POST", signed(body), body)).message();

        assertThat(reason).isEqualTo("body is not valid JSON: unrecognized token at line 1, column 6");
    }

    /** The hex HMAC-SHA256 of a body under any text, without the key policy, as a forger would compute it. */
    static final class HmacOf {
        static String text(String key, byte[] body) {
            try {
                javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
                mac.init(new javax.crypto.spec.SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
                return java.util.HexFormat.of().formatHex(mac.doFinal(body));
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** A body that must not be read. */
    static final class UnreadableStream extends InputStream {
        @Override
        public int read() throws IOException {
            throw new IOException("this stream must not be read");
        }
    }

    /** A body that arrives one byte per read, each after a pause, like a slow sender. */
    static final class TricklingStream extends InputStream {
        private final ByteArrayInputStream body;
        private final Duration pause;
        int read;

        TricklingStream(byte[] body, Duration pause) {
            this.body = new ByteArrayInputStream(body);
            this.pause = pause;
        }

        @Override
        public int read() throws IOException {
            try {
                Thread.sleep(pause.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException();
            }
            int b = body.read();
            if (b >= 0) {
                read++;
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (length == 0) {
                return 0;
            }
            int b = read();
            if (b < 0) {
                return -1;
            }
            buffer[offset] = (byte) b;
            return 1;
        }
    }

    /** A stream that breaks its contract on the first read: it throws an unchecked exception. */
    static final class ThrowingStream extends InputStream {
        private final RuntimeException failure;

        ThrowingStream(RuntimeException failure) {
            this.failure = failure;
        }

        @Override
        public int read() {
            throw failure;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            throw failure;
        }
    }

    /** A connection that fails on the first read with the given exception. */
    static final class FailingStream extends InputStream {
        private final IOException failure;

        FailingStream(IOException failure) {
            this.failure = failure;
        }

        @Override
        public int read() throws IOException {
            throw failure;
        }
    }
}
