package ai.refold.webhooks;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.test.SamplePayloads;
import ai.refold.webhooks.test.hardening.CatalogueReceiver;
import ai.refold.webhooks.test.hardening.HostileRequest;
import ai.refold.webhooks.test.hardening.HostileRequest.Request;
import ai.refold.webhooks.test.hardening.HostileRequests;
import ai.refold.webhooks.idempotency.ClaimResult;
import ai.refold.webhooks.idempotency.IdempotencyStore;
import ai.refold.webhooks.idempotency.StoreUnavailableException;
import ai.refold.webhooks.logcapture.CapturedEvent;
import ai.refold.webhooks.logcapture.LogCapture;
import ai.refold.webhooks.signature.SignatureScheme;
import ai.refold.webhooks.signature.SignatureVerifier;
import ai.refold.webhooks.signature.SigningKey;
import ai.refold.webhooks.signature.WebhookSigner;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No API key and no expected signature (the true HMAC of a body under a configured key) ever reaches a log line, an
 * exception, a result or a {@code toString()}, on any path of the pipeline, failures included.
 */
class SecretHygieneTest {

    private static final List<String> KEYS = HostileRequests.RECEIVER_KEYS;

    private final Set<String> secrets = new LinkedHashSet<>(KEYS);
    private final List<String> texts = new ArrayList<>();

    @Test
    void noSecretReachesTheLogsOrTheResultsOfAnyCataloguedRequest() throws Exception {
        try (LogCapture capture = LogCapture.open()) {
            for (HostileRequest row : HostileRequests.all()) {
                Request request = row.request().get();
                rememberExpectedSignatures(request.body());
                CatalogueReceiver fixture = CatalogueReceiver.forRow(row);
                record(fixture.receiver().receive(request.method(), request.coreHeaders(), request.openStream(),
                        request.contentLength()));
                record(fixture.receiver().receive(
                        DeliveryRequest.of(request.method(), request.coreHeaders(), request.body())));
                texts.add(String.valueOf(request.coreHeaders()));
                texts.add(String.valueOf(DeliveryRequest.of(request.method(), request.coreHeaders(),
                        request.body())));
            }
            capture.events().forEach(event -> texts.add(event.rendered()));
            assertThat(capture.events()).extracting(CapturedEvent::logger).contains("ai.refold.webhooks.delivery");
        }

        assertNoSecretIn(texts);
    }

    @Test
    void noSecretReachesTheLogsWhenStoresFailHandlersThrowOrTheExecutorRefuses() {
        byte[] body = SamplePayloads.of(EventType.WORKFLOW_ERRORED);
        rememberExpectedSignatures(body);
        Headers signed = Headers.of("x-cobalt-signature", WebhookSigner.of(KEYS.get(0)).sign(body));

        try (LogCapture capture = LogCapture.open()) {
            WebhookReceiver failingStore = receiver().idempotencyStore(new StoreFailingAfterClaim()).pause(pause -> { })
                    .onAny((event, context) -> {
                        throw new IllegalStateException("handler failed for " + context.idempotencyKey());
                    })
                    .build();
            record(failingStore.receive(DeliveryRequest.of("POST", signed, body)));
            WebhookReceiver completingFails = receiver().idempotencyStore(new StoreFailingAfterClaim()).pause(pause -> { })
                    .onAny((event, context) -> { })
                    .build();
            record(completingFails.receive(DeliveryRequest.of("POST", signed, body)));
            WebhookReceiver overloaded = receiver()
                    .acknowledgeFast(command -> {
                        throw new RejectedExecutionException("queue full");
                    })
                    .onAny((event, context) -> { })
                    .build();
            record(overloaded.receive(DeliveryRequest.of("POST", signed, body)));
            WebhookReceiver fast = receiver().acknowledgeFast(Runnable::run)
                    .onAny((event, context) -> {
                        throw new IllegalStateException("handler failed after the 200");
                    })
                    .build();
            record(fast.receive(DeliveryRequest.of("POST", signed, body)));
            WebhookReceiver forward = receiver().allowNoHandlers().build();
            Admission.Admitted admission =
                    (Admission.Admitted) forward.admit(DeliveryRequest.of("POST", signed, body));
            texts.add(admission.toString());
            texts.add(admission.context().toString());
            record(admission.fail(new IllegalStateException("the application failed")));
            Admission.Admitted again =
                    (Admission.Admitted) forward.admit(DeliveryRequest.of("POST", signed, body));
            record(again.finish(502));
            capture.events().forEach(event -> texts.add(event.rendered()));
            assertThat(capture.events()).hasSizeGreaterThanOrEqualTo(6);
        }

        assertNoSecretIn(texts);
    }

    // A handler's failure is logged with its stack trace in every mode (the inbox's line also describes it); a key
    // that a handler's exception or its cause quotes (a client library echoing its request) is masked in both, and
    // the trace still shows where the handler failed.
    @Test
    void aHandlerFailureQuotingAKeyIsLoggedWithItsTraceAndTheKeyMasked() throws Exception {
        byte[] body = SamplePayloads.of(EventType.WORKFLOW_ERRORED);
        rememberExpectedSignatures(body);
        Headers signed = Headers.of("x-cobalt-signature", WebhookSigner.of(KEYS.get(0)).sign(body));
        EventHandler<ai.refold.webhooks.event.WebhookEvent> quotingTheKey = (event, context) -> {
            throw new IllegalStateException("CRM refused the call",
                    new java.io.IOException("401 for Authorization: Bearer " + KEYS.get(1)));
        };
        java.util.concurrent.CountDownLatch attempted = new java.util.concurrent.CountDownLatch(1);

        try (LogCapture capture = LogCapture.open()) {
            WebhookReceiver endpoint = receiver().onAny(quotingTheKey).build();
            record(endpoint.receive(DeliveryRequest.of("POST", signed, body)));
            WebhookReceiver inbox = receiver()
                    .inbox(ai.refold.webhooks.idempotency.InMemoryInboxStore.builder().build(),
                            InboxOptions.defaults().withWorkers(1))
                    .onAny(quotingTheKey)
                    .listener(new DeliveryListener() {
                        @Override
                        public void onDelivery(DeliveryResult result, Duration elapsed) {
                        }

                        @Override
                        public void onInboxAttempt(String key, int attempt,
                                                   ai.refold.webhooks.idempotency.InboxState outcome,
                                                   Duration elapsed) {
                            attempted.countDown();
                        }
                    })
                    .build();
            try {
                record(inbox.receive(DeliveryRequest.of("POST", signed, body)));
                assertThat(attempted.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            } finally {
                inbox.close(Duration.ofSeconds(5));
            }
            List<CapturedEvent> failures = capture.events().stream().filter(event -> event.throwable() != null)
                    .filter(event -> event.rendered().contains("CRM refused the call")).toList();
            assertThat(failures).extracting(CapturedEvent::message)
                    .anyMatch(line -> line.contains("outcome=handler_failed"))
                    .anyMatch(line -> line.contains("outcome=retry"));
            for (CapturedEvent failure : failures) {
                assertThat(failure.rendered()).contains("java.lang.IllegalStateException: CRM refused the call",
                        "java.io.IOException: 401 for Authorization: Bearer ****",
                        "aHandlerFailureQuotingAKeyIsLoggedWithItsTraceAndTheKeyMasked");
            }
            capture.events().forEach(event -> texts.add(event.rendered()));
        }

        assertNoSecretIn(texts);
    }

    @Test
    void noSecretReachesTheMessageOfAnyConfigurationError() {
        String key = KEYS.get(0);
        failure(() -> SigningKey.of("live", ""));
        failure(() -> SigningKey.of(" ", key));
        failure(() -> SigningKey.of("live", null));
        failure(() -> WebhookReceiver.builder().signingKey("live", key).signingKey("live", KEYS.get(1)));
        failure(() -> WebhookReceiver.builder().signingKey("live", key).signingKey(SigningKey.of("live", key)));
        failure(() -> WebhookReceiver.builder().build());
        failure(() -> WebhookReceiver.builder().signingKey("live", key).maxBodyBytes(0));
        failure(() -> WebhookReceiver.builder().signingKey("live", key).lease(Duration.ZERO));
        failure(() -> SignatureVerifier.builder().key("live", key).key("live", KEYS.get(1)));
        failure(() -> SignatureVerifier.builder().build());
        failure(() -> WebhookSigner.of(""));
        failure(() -> new SignatureScheme(key, ""));

        assertThat(texts).hasSize(12);
        assertNoSecretIn(texts);
    }

    @Test
    void everyConfigurationObjectMasksItsKeys() {
        byte[] body = SamplePayloads.of(EventType.CONNECTION_CREATED);
        rememberExpectedSignatures(body);
        WebhookReceiver receiver = receiver().allowNoHandlers().build();
        SignatureVerifier verifier = SignatureVerifier.builder().key("live", KEYS.get(0))
                .key("previous", KEYS.get(1)).build();
        Headers headers = Headers.of("x-cobalt-signature", WebhookSigner.of(KEYS.get(0)).sign(body));

        texts.add(receiver.toString());
        texts.add(verifier.toString());
        texts.add(SigningKey.of("live", KEYS.get(0)).toString());
        texts.add(WebhookSigner.of(KEYS.get(0)).toString());
        texts.add(WebhookSigner.of(SigningKey.of("live", KEYS.get(1)), SignatureScheme.refold()).toString());
        texts.add(headers.toString());
        texts.add(DeliveryRequest.of("POST", headers, body).toString());
        texts.add(verifier.verify(headers.all("x-cobalt-signature"), body).toString());

        assertThat(texts.get(0)).contains("live", "previous");
        assertThat(texts.get(2)).contains("****");
        assertNoSecretIn(texts);
    }

    private static WebhookReceiver.Builder receiver() {
        return WebhookReceiver.builder().signingKey("live", KEYS.get(0)).signingKey("previous", KEYS.get(1));
    }

    private void rememberExpectedSignatures(byte[] body) {
        for (String key : KEYS) {
            String signature = WebhookSigner.of(key).sign(body);
            secrets.add(signature);
            secrets.add(signature.toUpperCase(Locale.ROOT));
        }
    }

    private void record(DeliveryResult result) {
        texts.add(result.toString());
        texts.add(result.message());
        texts.add(result.responseBody());
    }

    private void failure(Executable configuration) {
        try {
            configuration.execute();
            texts.add("no failure");
        } catch (Throwable e) {
            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            texts.add(e + System.lineSeparator() + trace);
        }
    }

    private void assertNoSecretIn(List<String> texts) {
        assertThat(texts).isNotEmpty();
        for (String text : texts) {
            for (String secret : secrets) {
                assertThat(text).as("a text of %d chars", text.length()).doesNotContain(secret);
            }
            assertThat(text.getBytes(StandardCharsets.UTF_8).length).isPositive();
        }
    }

    /** Claims, then fails on complete and release, so that the pipeline's warning paths run. */
    private static final class StoreFailingAfterClaim implements IdempotencyStore {
        @Override
        public ClaimResult claim(String key, String owner, Duration lease) {
            return ClaimResult.CLAIMED;
        }

        @Override
        public boolean renew(String key, String owner, Duration lease) {
            throw new StoreUnavailableException("connection lost while renewing");
        }

        @Override
        public boolean complete(String key, String owner, Duration retention) {
            throw new StoreUnavailableException("connection lost while completing");
        }

        @Override
        public boolean release(String key, String owner) {
            throw new StoreUnavailableException("connection lost while releasing");
        }
    }
}
