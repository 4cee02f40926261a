package ai.refold.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.refold.webhooks.event.ConnectionCreated;
import ai.refold.webhooks.event.ConnectionDeleted;
import ai.refold.webhooks.event.ConnectionEvent;
import ai.refold.webhooks.event.ConnectionExpired;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.Samples;
import ai.refold.webhooks.event.UnknownEvent;
import ai.refold.webhooks.event.WebhookEvent;
import ai.refold.webhooks.event.WorkflowCompleted;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.idempotency.ClaimResult;
import ai.refold.webhooks.idempotency.IdempotencyStore;
import ai.refold.webhooks.idempotency.InMemoryIdempotencyStore;
import ai.refold.webhooks.idempotency.InMemoryInboxStore;
import ai.refold.webhooks.idempotency.StoreUnavailableException;
import ai.refold.webhooks.signature.SignatureScheme;
import ai.refold.webhooks.signature.SigningKey;
import ai.refold.webhooks.signature.WebhookSigner;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** The HTTP contract: what the receiver answers for each kind of delivery. */
class WebhookReceiverTest {

    private static final String API_KEY = "test-api-key-0123456789";
    private static final String HEADER = "x-cobalt-signature";
    private static final byte[] ERRORED = Samples.of(EventType.WORKFLOW_ERRORED);

    private final MutableClock clock = MutableClock.at("2026-11-01T10:00:00Z");
    private final WebhookSigner signer = WebhookSigner.of(API_KEY);
    private final List<String> calls = new ArrayList<>();

    private WebhookReceiver.Builder builder() {
        return WebhookReceiver.builder().signingKey("test", API_KEY).clock(clock);
    }

    private WebhookReceiver counting() {
        return builder().onAny((event, context) -> calls.add(event.eventName().orElse("?"))).build();
    }

    private DeliveryRequest signed(String method, byte[] body) {
        return DeliveryRequest.of(method, Headers.of(HEADER, signer.sign(body)), body);
    }

    private DeliveryRequest signed(byte[] body) {
        return signed("POST", body);
    }

    private static byte[] utf8(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] errored(String instanceId) {
        return utf8("{\"event\":\"Workflow Errored\",\"instance_id\":\"" + instanceId + "\",\"status\":\"ERRORED\"}");
    }

    // ---- 200 ----

    @Test
    void processesASignedEventAndAnswers200() {
        WebhookReceiver receiver = counting();

        DeliveryResult result = receiver.receive(signed(ERRORED));

        assertThat(result.outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(result.status()).isEqualTo(200);
        assertThat(result.isAcknowledged()).isTrue();
        assertThat(result.event()).containsInstanceOf(WorkflowErrored.class);
        assertThat(result.idempotencyKey()).contains("workflow-errored:-:656f308b9144bb8f183bfc7b");
        assertThat(result.keyLabel()).contains("test");
        assertThat(result.responseHeaders()).isEmpty();
        assertThat(calls).containsExactly("Workflow Errored");
    }

    @Test
    void answersADuplicate200WithoutRunningHandlersAgain() {
        WebhookReceiver receiver = counting();
        receiver.receive(signed(ERRORED));

        DeliveryResult again = receiver.receive(signed(ERRORED));
        DeliveryResult viaPut = receiver.receive(signed("PUT", ERRORED));

        assertThat(again.outcome()).isEqualTo(Outcome.DUPLICATE);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.idempotencyKey()).contains("workflow-errored:-:656f308b9144bb8f183bfc7b");
        assertThat(viaPut.outcome()).isEqualTo(Outcome.DUPLICATE);
        assertThat(calls).hasSize(1);
    }

    @Test
    void treatsTheSameEventReformattedAsADuplicate() {
        WebhookReceiver receiver = counting();
        receiver.receive(signed(ERRORED));

        byte[] compact = utf8("{\"event\":\"Workflow Errored\",\"instance_id\":\"656f308b9144bb8f183bfc7b\"}");

        assertThat(receiver.receive(signed(compact)).outcome()).isEqualTo(Outcome.DUPLICATE);
        assertThat(calls).hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"POST", "PUT", "PATCH"})
    void acceptsEveryMethodARefoldSubscriptionUses(String method) {
        WebhookReceiver receiver = counting();

        assertThat(receiver.receive(signed(method, ERRORED)).outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(receiver.receive(method, Headers.of(HEADER, signer.sign(errored("s-" + method))),
                new ByteArrayInputStream(errored("s-" + method)), -1).outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(calls).hasSize(2);
    }

    // ---- 405 ----

    @ParameterizedTest
    @ValueSource(strings = {"GET", "DELETE", "HEAD", "OPTIONS", "post"})
    void answersOtherMethods405WithAllow(String method) {
        WebhookReceiver receiver = counting();

        DeliveryResult result = receiver.receive(signed(method, ERRORED));
        DeliveryResult streamed = receiver.receive(method, Headers.of(HEADER, signer.sign(ERRORED)),
                new UnreadableStream(), ERRORED.length);

        for (DeliveryResult r : List.of(result, streamed)) {
            assertThat(r.outcome()).isEqualTo(Outcome.METHOD_NOT_ALLOWED);
            assertThat(r.status()).isEqualTo(405);
            assertThat(r.responseHeaders()).containsEntry("Allow", "POST, PUT, PATCH");
        }
        // Refused before its body was read, as a 401 from the headers is: the unread rest is not worth draining.
        assertThat(streamed.responseHeaders()).containsEntry("Connection", "close");
        assertThat(calls).isEmpty();
    }

    @Test
    void answersAnotherMethodWithNoBody405WithoutClosingTheConnection() {
        DeliveryResult result = counting().receive("GET", Headers.empty(), new UnreadableStream(), 0);

        assertThat(result.status()).isEqualTo(405);
        assertThat(result.responseHeaders()).isEqualTo(Map.of("Allow", "POST, PUT, PATCH"));
    }

    // A GET from a browser or a probe declares no length and no Transfer-Encoding: in HTTP/1.1 that is an empty body
    // (RFC 9112, 6.3), and a servlet container or Netty reports its length as -1, unknown. Nothing is left to drain.
    @Test
    void answersABodilessRequestWithAnotherMethod405WithoutClosingTheConnection() {
        DeliveryResult bodiless = counting().receive("GET", Headers.empty(), new UnreadableStream(), -1);
        DeliveryResult chunked = counting().receive("DELETE", Headers.of("Transfer-Encoding", "chunked"),
                new UnreadableStream(), -1);

        assertThat(bodiless.status()).isEqualTo(405);
        assertThat(bodiless.responseHeaders()).isEqualTo(Map.of("Allow", "POST, PUT, PATCH"));
        assertThat(chunked.responseHeaders()).as("a chunked body is unread").containsEntry("Connection", "close");
    }

    // ---- 413 ----

    @Test
    void answersABodyOverTheDefaultLimit413() {
        WebhookReceiver receiver = counting();
        byte[] tooBig = new byte[(1 << 20) + 1];
        Arrays.fill(tooBig, (byte) ' ');

        DeliveryResult result = receiver.receive(signed(tooBig));

        assertThat(receiver.maxBodyBytes()).isEqualTo(1 << 20);
        assertThat(result.outcome()).isEqualTo(Outcome.PAYLOAD_TOO_LARGE);
        assertThat(result.status()).isEqualTo(413);
        assertThat(calls).isEmpty();
    }

    @Test
    void acceptsABodyOfExactlyTheDefaultLimit() {
        WebhookReceiver receiver = counting();
        String head = "{\"event\":\"Big\",\"pad\":\"";
        String tail = "\"}";
        byte[] body = utf8(head + "x".repeat((1 << 20) - head.length() - tail.length()) + tail);

        DeliveryResult result = receiver.receive(signed(body));

        assertThat(body).hasSize(1 << 20);
        assertThat(result.outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(calls).containsExactly("Big");
    }

    @Test
    void answersABodyOverAConfiguredLimit413() {
        WebhookReceiver receiver = builder().maxBodyBytes(100).onAny((event, context) -> { }).build();
        byte[] atLimit = utf8("{\"event\":\"x\",\"p\":\"" + "y".repeat(100 - 20) + "\"}");
        byte[] overLimit = utf8("{\"event\":\"x\",\"p\":\"" + "y".repeat(101 - 20) + "\"}");

        assertThat(atLimit).hasSize(100);
        assertThat(receiver.receive(signed(atLimit)).status()).isEqualTo(200);
        assertThat(receiver.receive(signed(overLimit)).status()).isEqualTo(413);
        assertThat(receiver.receive("POST", Headers.of(HEADER, signer.sign(overLimit)),
                new ByteArrayInputStream(overLimit), -1).status()).isEqualTo(413);
    }

    @Test
    void answersADeclaredLengthOverTheLimitWithoutReadingTheBody() {
        WebhookReceiver receiver = counting();

        DeliveryResult result = receiver.receive("POST", Headers.of(HEADER, signer.sign(ERRORED)),
                new UnreadableStream(), (1L << 20) + 1);
        DeliveryResult huge = receiver.receive("POST", Headers.empty(), new UnreadableStream(), Long.MAX_VALUE);

        assertThat(result.outcome()).isEqualTo(Outcome.PAYLOAD_TOO_LARGE);
        assertThat(result.status()).isEqualTo(413);
        assertThat(huge.status()).isEqualTo(413);
    }

    @Test
    void stopsReadingAChunkedBodyAtTheLimit() {
        int limit = 64 * 1024;
        WebhookReceiver receiver = builder().maxBodyBytes(limit).allowNoHandlers().build();
        EndlessStream endless = new EndlessStream();

        DeliveryResult result = receiver.receive("POST", Headers.of(HEADER, "0".repeat(64)), endless, -1);

        assertThat(result.outcome()).isEqualTo(Outcome.PAYLOAD_TOO_LARGE);
        assertThat(result.status()).isEqualTo(413);
        assertThat(endless.bytesRead).isGreaterThan(limit).isLessThanOrEqualTo(limit + 1L);
    }

    @Test
    void readsAChunkedBodyWithinTheLimitWhole() {
        WebhookReceiver receiver = counting();

        DeliveryResult result = receiver.receive("POST", Headers.of(HEADER, signer.sign(ERRORED)),
                new TrickleStream(ERRORED), -1);

        assertThat(result.outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(result.event().orElseThrow().payload().toByteArray()).isEqualTo(ERRORED);
    }

    @Test
    void readsABodyOfDeclaredLength() {
        WebhookReceiver receiver = counting();

        DeliveryResult result = receiver.receive("POST", Headers.of(HEADER, signer.sign(ERRORED)),
                new TrickleStream(ERRORED), ERRORED.length);

        assertThat(result.outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(calls).hasSize(1);
    }

    @Test
    void answersABodyShorterThanDeclaredOrUnreadable400() {
        WebhookReceiver receiver = counting();

        DeliveryResult shortBody = receiver.receive("POST", Headers.of(HEADER, signer.sign(ERRORED)),
                new ByteArrayInputStream(ERRORED), ERRORED.length + 10);
        DeliveryResult broken = receiver.receive("POST", Headers.of(HEADER, signer.sign(ERRORED)),
                new UnreadableStream(), -1);

        assertThat(shortBody.outcome()).isEqualTo(Outcome.BODY_UNREADABLE);
        assertThat(shortBody.status()).isEqualTo(400);
        assertThat(broken.outcome()).isEqualTo(Outcome.BODY_UNREADABLE);
        assertThat(calls).isEmpty();
    }

    // ---- 401 ----

    @Test
    void answersAMissingSignature401() {
        WebhookReceiver receiver = counting();

        DeliveryResult none = receiver.receive(DeliveryRequest.of("POST", Headers.empty(), ERRORED));
        DeliveryResult empty = receiver.receive(DeliveryRequest.of("POST", Headers.of(HEADER, ""), ERRORED));
        DeliveryResult streamed = receiver.receive("POST", Headers.empty(), new ByteArrayInputStream(ERRORED), -1);

        for (DeliveryResult r : List.of(none, empty, streamed)) {
            assertThat(r.outcome()).isEqualTo(Outcome.SIGNATURE_MISSING);
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.message()).contains(HEADER);
        }
        assertThat(calls).isEmpty();
    }

    @Test
    void answersAMalformedSignature401() {
        WebhookReceiver receiver = counting();

        DeliveryResult result = receiver.receive(DeliveryRequest.of("POST",
                Headers.of(HEADER, signer.sign(ERRORED).substring(3)), ERRORED));

        assertThat(result.outcome()).isEqualTo(Outcome.SIGNATURE_MALFORMED);
        assertThat(result.status()).isEqualTo(401);
        assertThat(calls).isEmpty();
    }

    @Test
    void answersAMismatchingSignature401() {
        WebhookReceiver receiver = counting();
        byte[] altered = ERRORED.clone();
        altered[altered.length - 3] = 'X';

        DeliveryResult forged = receiver.receive(DeliveryRequest.of("POST",
                Headers.of(HEADER, WebhookSigner.of("not-the-key").sign(ERRORED)), ERRORED));
        DeliveryResult tampered = receiver.receive(DeliveryRequest.of("POST",
                Headers.of(HEADER, signer.sign(ERRORED)), altered));
        DeliveryResult streamed = receiver.receive("POST", Headers.of(HEADER, signer.sign(ERRORED)),
                new ByteArrayInputStream(altered), altered.length);

        for (DeliveryResult r : List.of(forged, tampered, streamed)) {
            assertThat(r.outcome()).isEqualTo(Outcome.SIGNATURE_MISMATCH);
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.event()).isEmpty();
            assertThat(r.keyLabel()).isEmpty();
        }
        assertThat(calls).isEmpty();
    }

    @Test
    void aDeliveryThatFailsItsSignatureClaimsNothingSoTheGenuineOneIsProcessed() {
        WebhookReceiver receiver = counting();
        byte[] reserialised = utf8(new String(ERRORED, StandardCharsets.UTF_8).replace(",", ", "));
        Headers ambiguous = Headers.builder().add(HEADER, signer.sign(ERRORED))
                .add(HEADER, WebhookSigner.of("not-the-key").sign(ERRORED)).build();
        List<DeliveryRequest> refused = List.of(
                DeliveryRequest.of("POST", Headers.of(HEADER, WebhookSigner.of("not-the-key").sign(ERRORED)), ERRORED),
                DeliveryRequest.of("POST", Headers.of(HEADER, signer.sign(reserialised)), ERRORED),
                DeliveryRequest.of("POST", Headers.of(HEADER, "sha256=" + signer.sign(ERRORED)), ERRORED),
                DeliveryRequest.of("POST", ambiguous, ERRORED),
                DeliveryRequest.of("POST", Headers.empty(), ERRORED));

        for (DeliveryRequest request : refused) {
            assertThat(receiver.receive(request).status()).isEqualTo(401);
        }
        DeliveryResult genuine = receiver.receive(signed(ERRORED));
        DeliveryResult retry = receiver.receive(signed(ERRORED));

        assertThat(genuine.outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(retry.outcome()).isEqualTo(Outcome.DUPLICATE);
        assertThat(calls).containsExactly("Workflow Errored");
    }

    @Test
    void answersAnAmbiguousSignature401() {
        WebhookReceiver receiver = counting();
        Headers twice = Headers.builder()
                .add(HEADER, signer.sign(ERRORED))
                .add("X-Cobalt-Signature", WebhookSigner.of("other").sign(ERRORED))
                .build();

        DeliveryResult result = receiver.receive(DeliveryRequest.of("POST", twice, ERRORED));

        assertThat(result.outcome()).isEqualTo(Outcome.SIGNATURE_AMBIGUOUS);
        assertThat(result.status()).isEqualTo(401);
        assertThat(calls).isEmpty();
    }

    @Test
    void acceptsTheSignatureHeaderRepeatedWithEqualValuesInAnyCase() {
        WebhookReceiver receiver = counting();
        String signature = signer.sign(ERRORED);
        Headers twice = Headers.builder().add("X-COBALT-SIGNATURE", signature).add(HEADER, signature).build();

        assertThat(receiver.receive(DeliveryRequest.of("POST", twice, ERRORED)).outcome())
                .isEqualTo(Outcome.PROCESSED);
    }

    @Test
    void claimsNothingForADeliveryThatFailsVerification() {
        WebhookReceiver receiver = counting();
        receiver.receive(DeliveryRequest.of("POST", Headers.of(HEADER, "0".repeat(64)), ERRORED));

        assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.PROCESSED);
    }

    @Test
    void readsAConfiguredSchemeAndReportsWhichKeyVerified() {
        SignatureScheme scheme = SignatureScheme.header("X-Webhook-Signature").withPrefix("sha256=");
        WebhookReceiver receiver = WebhookReceiver.builder()
                .signatureScheme(scheme)
                .signingKey("current", "whsec_current")
                .signingKey(SigningKey.of("previous", "whsec_previous"))
                .onAny((event, context) -> calls.add(context.keyLabel()))
                .build();
        String signature = WebhookSigner.of(SigningKey.of("any", "whsec_previous"), scheme).sign(ERRORED);

        DeliveryResult result = receiver.receive(DeliveryRequest.of("POST",
                Headers.of("x-webhook-signature", signature), ERRORED));
        DeliveryResult refoldHeader = receiver.receive(DeliveryRequest.of("POST",
                Headers.of(HEADER, signature.substring(7)), errored("other")));

        assertThat(receiver.signatureHeader()).isEqualTo("x-webhook-signature");
        assertThat(result.keyLabel()).contains("previous");
        assertThat(calls).containsExactly("previous");
        assertThat(refoldHeader.outcome()).isEqualTo(Outcome.SIGNATURE_MISSING);
    }

    // ---- 400 ----

    @Test
    void answersAVerifiedButUnparseableBody400() {
        WebhookReceiver receiver = counting();
        byte[] notJson = utf8("{\"event\":\"Workflow Errored\",\"instance_id\":");
        byte[] wrongType = utf8("{\"event\":\"Connection Created\",\"linked_account_id\":12345,\"slug\":\"hubspot\"}");
        byte[] array = utf8("[1,2,3]");

        for (byte[] body : List.of(notJson, wrongType, array)) {
            DeliveryResult result = receiver.receive(signed(body));

            assertThat(result.outcome()).isEqualTo(Outcome.INVALID_PAYLOAD);
            assertThat(result.status()).isEqualTo(400);
            assertThat(result.keyLabel()).contains("test");
            assertThat(result.message()).doesNotContain(new String(body, StandardCharsets.UTF_8));
        }
        assertThat(calls).isEmpty();
    }

    // ---- 409 ----

    @Test
    void answersAnEventBeingProcessed409WithRetryAfter() {
        InMemoryIdempotencyStore store = InMemoryIdempotencyStore.builder().clock(clock).build();
        WebhookReceiver receiver = builder().idempotencyStore(store).lease(Duration.ofSeconds(20))
                .onAny((event, context) -> calls.add("ran")).build();
        store.claim("workflow-errored:-:656f308b9144bb8f183bfc7b", "another delivery", Duration.ofSeconds(20));

        DeliveryResult result = receiver.receive(signed(ERRORED));

        assertThat(result.outcome()).isEqualTo(Outcome.IN_PROGRESS);
        assertThat(result.status()).isEqualTo(409);
        assertThat(result.responseHeaders()).containsEntry("Retry-After", "20");
        assertThat(calls).isEmpty();

        clock.advance(Duration.ofSeconds(20));
        assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(calls).containsExactly("ran");
    }

    @Test
    void roundsRetryAfterUpToWholeSeconds() {
        WebhookReceiver receiver = builder().lease(Duration.ofMillis(1500)).onAny((event, context) -> { }).build();
        Admission holder = receiver.admit(signed(ERRORED));

        DeliveryResult result = receiver.receive(signed(ERRORED));

        assertThat(holder.isAdmitted()).isTrue();
        assertThat(result.responseHeaders()).containsEntry("Retry-After", "2");
    }

    // ---- 500 ----

    @Test
    void answersAFailedHandler500AndProcessesTheRetry() {
        AtomicInteger attempts = new AtomicInteger();
        AtomicInteger successes = new AtomicInteger();
        WebhookReceiver receiver = builder().on(WorkflowErrored.class, (event, context) -> {
            if (attempts.incrementAndGet() == 1) {
                throw new IllegalStateException("downstream is down");
            }
            successes.incrementAndGet();
        }).build();

        DeliveryResult first = receiver.receive(signed(ERRORED));
        DeliveryResult retry = receiver.receive(signed(ERRORED));
        DeliveryResult third = receiver.receive(signed(ERRORED));

        assertThat(first.outcome()).isEqualTo(Outcome.HANDLER_FAILED);
        assertThat(first.status()).isEqualTo(500);
        assertThat(first.message()).doesNotContain("downstream");
        assertThat(retry.outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(retry.status()).isEqualTo(200);
        assertThat(third.outcome()).isEqualTo(Outcome.DUPLICATE);
        assertThat(successes).hasValue(1);
        assertThat(attempts).hasValue(2);
    }

    @Test
    void releasesTheClaimWhenAHandlerThrowsAnError() {
        AtomicInteger attempts = new AtomicInteger();
        WebhookReceiver receiver = builder().onAny((event, context) -> {
            if (attempts.incrementAndGet() == 1) {
                throw new AssertionError("handler bug");
            }
        }).build();

        DeliveryResult first = receiver.receive(signed(ERRORED));
        DeliveryResult retry = receiver.receive(signed(ERRORED));

        assertThat(first.status()).isEqualTo(500);
        assertThat(retry.outcome()).isEqualTo(Outcome.PROCESSED);
    }

    @Test
    void stopsAtTheFirstFailingHandlerAndTheRetryRunsOnlyTheHandlersThatHaveNotSucceeded() {
        AtomicInteger attempts = new AtomicInteger();
        WebhookReceiver receiver = builder()
                .onAny((event, context) -> calls.add("first"))
                .onAny((event, context) -> {
                    if (attempts.incrementAndGet() == 1) {
                        throw new java.io.IOException("flaky");
                    }
                    calls.add("second");
                })
                .build();

        assertThat(receiver.receive(signed(ERRORED)).status()).isEqualTo(500);
        assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.PROCESSED);

        assertThat(calls).containsExactly("first", "second");
        assertThat(attempts).hasValue(2);
    }

    @Test
    void answers500WhenTheKeyExtractorThrowsAndRunsNoHandler() {
        WebhookReceiver receiver = builder().idempotencyKeys(event -> {
            throw new IllegalArgumentException("boom");
        }).onAny((event, context) -> calls.add("ran")).build();
        WebhookReceiver empty = builder().idempotencyKeys(event -> "")
                .onAny((event, context) -> calls.add("ran")).build();

        assertThat(receiver.receive(signed(ERRORED)).status()).isEqualTo(500);
        assertThat(empty.receive(signed(ERRORED)).status()).isEqualTo(500);
        assertThat(calls).isEmpty();
    }

    @Test
    void answers500WhenTheKeyExtractorThrowsAnErrorAndRunsNoHandler() {
        // An assertion or a linkage error in the application's extractor is its failure, as a handler's Error is:
        // the documented 500, never an exception for the adapter (a servlet container left such a delivery
        // unanswered, or answered it with its own error page).
        WebhookReceiver assertion = builder().idempotencyKeys(event -> {
            throw new AssertionError("extractor bug");
        }).onAny((event, context) -> calls.add("ran")).build();
        WebhookReceiver linkage = builder().idempotencyKeys(event -> {
            throw new NoClassDefFoundError("com/example/Missing");
        }).onAny((event, context) -> calls.add("ran")).build();

        for (WebhookReceiver receiver : List.of(assertion, linkage)) {
            DeliveryResult result = receiver.receive(signed(ERRORED));
            DeliveryResult streamed = receiver.receive("POST", signed(ERRORED).headers(),
                    new ByteArrayInputStream(signed(ERRORED).body()), signed(ERRORED).body().length);

            assertThat(result.outcome()).isEqualTo(Outcome.HANDLER_FAILED);
            assertThat(result.status()).isEqualTo(500);
            assertThat(result.message()).isEqualTo("idempotency key could not be computed");
            assertThat(streamed.outcome()).isEqualTo(Outcome.HANDLER_FAILED);
        }
        assertThat(calls).isEmpty();
    }

    // ---- 503 ----

    @Test
    void answersAnUnavailableStore503AndRunsNoHandler() {
        FaultyStore down = new FaultyStore(InMemoryIdempotencyStore.builder().clock(clock).build())
                .failAlways(FaultyStore.Operation.CLAIM);
        WebhookReceiver receiver = builder().idempotencyStore(down).onAny((event, context) -> calls.add("ran"))
                .build();

        DeliveryResult result = receiver.receive(signed(ERRORED));

        assertThat(result.outcome()).isEqualTo(Outcome.STORE_UNAVAILABLE);
        assertThat(result.status()).isEqualTo(503);
        assertThat(result.message()).doesNotContain("down");
        assertThat(calls).isEmpty();
        assertThat(down.calls(FaultyStore.Operation.COMPLETE) + down.calls(FaultyStore.Operation.RELEASE)).isZero();

        // The store is back when Refold retries: the event is processed, once, as a first attempt.
        down.heal(FaultyStore.Operation.CLAIM);
        DeliveryResult retry = receiver.receive(signed(ERRORED));
        assertThat(retry.outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(calls).containsExactly("ran");
        assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.DUPLICATE);
        assertThat(calls).containsExactly("ran");
    }

    @Test
    void answers200WhenTheStoreFailsOnlyToRecordCompletion() {
        FaultyStore flaky = new FaultyStore(InMemoryIdempotencyStore.builder().clock(clock).build())
                .failAlways(FaultyStore.Operation.COMPLETE);
        WebhookReceiver receiver = builder().idempotencyStore(flaky).pause(clock::advance)
                .onAny((event, context) -> calls.add("ran")).build();

        assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(calls).containsExactly("ran");
        assertThat(flaky.calls(FaultyStore.Operation.COMPLETE)).isEqualTo(1 + StoreRetries.PAUSES.length);
    }

    @Test
    void retriesCompletionAfterEachPauseInTurnOnlyOnceTheStoreFailed() {
        FaultyStore flaky = new FaultyStore(InMemoryIdempotencyStore.builder().clock(clock).build());
        List<Duration> pauses = new ArrayList<>();
        WebhookReceiver receiver = builder().idempotencyStore(flaky).pause(pauses::add)
                .onAny((event, context) -> calls.add("ran")).build();

        assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(pauses).isEmpty();
        flaky.failNext(FaultyStore.Operation.COMPLETE, 2);
        assertThat(receiver.receive(signed(Samples.of(EventType.WORKFLOW_COMPLETED))).outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(pauses).containsExactly(StoreRetries.PAUSES[0], StoreRetries.PAUSES[1]);
        assertThat(flaky.calls(FaultyStore.Operation.COMPLETE)).isEqualTo(1 + 3);
        assertThat(receiver.receive(signed(Samples.of(EventType.WORKFLOW_COMPLETED))).outcome()).isEqualTo(Outcome.DUPLICATE);
    }

    // ---- routing ----

    @Test
    void acknowledgesAnUnknownEventAndRoutesItToAnyAndUnknownHandlersOnly() {
        WebhookReceiver receiver = builder()
                .on(WorkflowErrored.class, (event, context) -> calls.add("typed"))
                .on(ConnectionEvent.class, (event, context) -> calls.add("connection"))
                .onAny((event, context) -> calls.add("any"))
                .onUnknown((event, context) -> calls.add("unknown:" + event.eventName().orElse("-")))
                .build();

        DeliveryResult named = receiver.receive(signed(utf8("{\"event\":\"Connection Paused\",\"slug\":\"x\"}")));
        DeliveryResult template = receiver.receive(signed(utf8("{\"text\":\"{{event.instance_id}}\"}")));

        assertThat(named.outcome()).isEqualTo(Outcome.PROCESSED);
        assertThat(named.event()).containsInstanceOf(UnknownEvent.class);
        assertThat(template.status()).isEqualTo(200);
        assertThat(template.idempotencyKey()).hasValueSatisfying(key -> assertThat(key).startsWith("sha256:"));
        assertThat(calls).containsExactly("any", "unknown:Connection Paused", "any", "unknown:-");
    }

    @Test
    void acknowledgesAnEventNoHandlerTakesAsIgnoredWithoutClaimingIt() {
        WebhookReceiver receiver = builder().on(ConnectionExpired.class, (event, context) -> calls.add("x")).build();

        DeliveryResult first = receiver.receive(signed(ERRORED));
        DeliveryResult again = receiver.receive(signed(ERRORED));

        assertThat(first.outcome()).isEqualTo(Outcome.IGNORED);
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.isAcknowledged()).isTrue();
        assertThat(first.event()).isPresent();
        assertThat(first.idempotencyKey()).isEmpty();
        assertThat(again.outcome()).as("nothing was claimed, so a copy is not a duplicate").isEqualTo(Outcome.IGNORED);
        assertThat(calls).isEmpty();
    }

    @Test
    void refusesToBuildAReceiverWithoutHandlersUnlessToldThatIsMeant() {
        assertThatThrownBy(() -> builder().build()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no handler is registered").hasMessageContaining("allowNoHandlers()");

        WebhookReceiver receiver = builder().allowNoHandlers().build();

        assertThat(receiver.receive(signed(ERRORED)).outcome()).isEqualTo(Outcome.IGNORED);
        assertThat(receiver.admit(signed(ERRORED)).isAdmitted()).as("forward mode: the caller is the handler")
                .isTrue();
    }

    @Test
    void saysWhetherItLeavesEventsToItsCallerSoAnAdapterThatIsItselfTheHandlerCanRefuseIt() {
        assertThat(builder().allowNoHandlers().build().leavesEventsToCaller()).isTrue();
        assertThat(builder().onAny((event, context) -> calls.add("any")).build().leavesEventsToCaller()).isFalse();
        assertThat(builder().onUnknown((event, context) -> calls.add("unknown")).build().leavesEventsToCaller())
                .isFalse();
        try (WebhookReceiver inbox = builder().allowNoHandlers().inbox(InMemoryInboxStore.create()).build()) {
            assertThat(inbox.leavesEventsToCaller()).as("an inbox answers every delivery itself").isFalse();
            assertThat(inbox.admit(signed(ERRORED)).isAdmitted()).as("stored and answered, never handed over")
                    .isFalse();
        }
    }

    @Test
    void runsSeveralHandlersOfATypeInRegistrationOrder() {
        WebhookReceiver receiver = builder()
                .on(WorkflowErrored.class, (event, context) -> calls.add("1"))
                .onAny((event, context) -> calls.add("2"))
                .on(WorkflowCompleted.class, (event, context) -> calls.add("not me"))
                .on(WorkflowErrored.class, (event, context) -> calls.add("3"))
                .on(ai.refold.webhooks.event.WorkflowEvent.class, (event, context) -> calls.add("4"))
                .build();

        receiver.receive(signed(ERRORED));

        assertThat(calls).containsExactly("1", "2", "3", "4");
    }

    @Test
    void routesAllThreeConnectionEventsToAConnectionEventHandler() {
        List<Class<?>> seen = new ArrayList<>();
        WebhookReceiver receiver = builder()
                .on(ConnectionEvent.class, (event, context) -> seen.add(event.getClass()))
                .build();

        for (EventType type : EventType.values()) {
            receiver.receive(signed(Samples.of(type)));
        }

        assertThat(seen).containsExactly(ConnectionCreated.class, ConnectionDeleted.class, ConnectionExpired.class);
    }

    @Test
    void givesHandlersTheDeliveryContext() {
        List<DeliveryContext> contexts = new ArrayList<>();
        WebhookReceiver receiver = WebhookReceiver.builder()
                .signingKey("live", "live-key")
                .signingKey("test", API_KEY)
                .clock(clock)
                .on(WorkflowErrored.class, (event, context) -> contexts.add(context))
                .build();
        Headers headers = Headers.builder().add(HEADER, signer.sign(ERRORED)).add("X-Request-Id", "req-7").build();

        receiver.receive(DeliveryRequest.of("POST", headers, ERRORED));

        assertThat(contexts).singleElement().satisfies(context -> {
            assertThat(context.idempotencyKey()).isEqualTo("workflow-errored:-:656f308b9144bb8f183bfc7b");
            assertThat(context.keyLabel()).isEqualTo("test");
            assertThat(context.receivedAt()).isEqualTo(clock.instant());
            assertThat(context.headers()).isEqualTo(headers);
            assertThat(context.headers().first("x-request-id")).contains("req-7");
        });
    }

    @Test
    void givesTypedHandlersTheParsedEvent() {
        List<String> slugs = new ArrayList<>();
        WebhookReceiver receiver = builder()
                .on(ConnectionExpired.class, (event, context) -> slugs.add(event.slug() + "/" + event.linkedAccountId()))
                .build();

        receiver.receive(signed(Samples.of(EventType.CONNECTION_EXPIRED)));

        assertThat(slugs).containsExactly("pipedrive/12345");
    }

    @Test
    void seesEachEventOfADeletedAndRecreatedConnection() {
        WebhookReceiver receiver = counting();
        byte[] createdAgain = utf8(new String(Samples.of(EventType.CONNECTION_CREATED), StandardCharsets.UTF_8)
                .replace("08:03:27", "09:00:00"));

        receiver.receive(signed(Samples.of(EventType.CONNECTION_CREATED)));
        receiver.receive(signed(Samples.of(EventType.CONNECTION_DELETED)));
        receiver.receive(signed(createdAgain));
        receiver.receive(signed(createdAgain));

        assertThat(calls).containsExactly("Connection Created", "Connection Deleted", "Connection Created");
    }

    // ---- builder ----

    @Test
    void refusesInvalidConfiguration() {
        assertThatThrownBy(() -> WebhookReceiver.builder().build()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> WebhookReceiver.builder().maxBodyBytes(0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WebhookReceiver.builder().lease(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WebhookReceiver.builder().retention(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WebhookReceiver.builder().signingKey("a", "k").signingKey("a", "l"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WebhookReceiver.builder().on(WebhookEvent.class, null))
                .isInstanceOf(NullPointerException.class);
    }

    // A claim is renewed every third of its lease: a lease of milliseconds runs out between renewals while the
    // handlers still run, and a retry arriving then would run them again, at once. Refused, with the shortest allowed.
    @Test
    void refusesALeaseTooShortToBeRenewedInTime() {
        assertThatThrownBy(() -> WebhookReceiver.builder().lease(Duration.ofMillis(10)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("lease must be at least PT1S and at most PT24H but was PT0.01S");
        assertThatThrownBy(() -> WebhookReceiver.builder().lease(WebhookReceiver.MIN_LEASE.minusNanos(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(WebhookReceiver.builder().signingKey("live", "k").lease(WebhookReceiver.MIN_LEASE).onAny(
                (event, context) -> { }).build().toString()).contains("lease=PT1S");
    }

    /** A stream that fails the test if anyone reads it. */
    static final class UnreadableStream extends InputStream {
        @Override
        public int read() throws IOException {
            throw new IOException("this stream must not be read");
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            throw new IOException("this stream must not be read");
        }
    }

    /** A body that never ends, counting what was read from it. */
    static final class EndlessStream extends InputStream {
        long bytesRead;

        @Override
        public int read() {
            bytesRead++;
            return ' ';
        }

        @Override
        public int read(byte[] b, int off, int len) {
            Arrays.fill(b, off, off + len, (byte) ' ');
            bytesRead += len;
            return len;
        }
    }

    /** Hands out a body a few bytes at a time, as a slow connection does. */
    static final class TrickleStream extends InputStream {
        private final byte[] bytes;
        private int position;

        TrickleStream(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public int read() {
            return position < bytes.length ? bytes[position++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (position >= bytes.length) {
                return -1;
            }
            int n = Math.min(Math.min(len, 7), bytes.length - position);
            System.arraycopy(bytes, position, b, off, n);
            position += n;
            return n;
        }
    }

    @Test
    void theLargestPossibleBodyLimitStillReadsAChunkedBody() {
        WebhookReceiver receiver = builder().maxBodyBytes(Integer.MAX_VALUE).onAny((event, context) -> { }).build();

        DeliveryResult result = receiver.receive("POST", Headers.of(HEADER, signer.sign(ERRORED)),
                new ByteArrayInputStream(ERRORED), -1);

        assertThat(result.outcome()).isEqualTo(Outcome.PROCESSED);
    }
}
