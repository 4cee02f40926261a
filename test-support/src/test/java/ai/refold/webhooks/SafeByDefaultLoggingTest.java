package ai.refold.webhooks;

import ai.refold.webhooks.event.ConnectionEvent;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.idempotency.ClaimResult;
import ai.refold.webhooks.idempotency.IdempotencyStore;
import ai.refold.webhooks.idempotency.StoreUnavailableException;
import ai.refold.webhooks.logcapture.CapturedEvent;
import ai.refold.webhooks.logcapture.LogCapture;
import ai.refold.webhooks.signature.SigningKey;
import ai.refold.webhooks.signature.WebhookSigner;
import ai.refold.webhooks.test.SamplePayloads;

import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;

import java.time.Duration;
import java.time.Instant;

import java.util.List;
import java.util.concurrent.RejectedExecutionException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What "safe by default" (issue 16) changed in the logs, read through a capturing SLF4J provider: one warning per
 * short key (case 1), a warning per hour per event type no handler takes (case 2), rejections at DEBUG with one
 * summary a minute (case 6), delivery lines with key-value fields, and the startup line. Time is a hand-moved clock.
 */
class SafeByDefaultLoggingTest {

    private static final String API_KEY = "logging-test-api-key-0123456789";
    private static final String DELIVERY = "ai.refold.webhooks.delivery";

    private final HandClock clock = new HandClock(Instant.parse("2026-11-30T08:00:00Z"));

    private static DeliveryRequest signed(EventType type) {
        byte[] body = SamplePayloads.of(type);
        return DeliveryRequest.of("POST", Headers.of("x-cobalt-signature", WebhookSigner.of(API_KEY).sign(body)), body);
    }

    private static DeliveryRequest unsigned() {
        return DeliveryRequest.of("POST", Headers.empty(), SamplePayloads.of(EventType.WORKFLOW_ERRORED));
    }

    private static List<CapturedEvent> at(LogCapture capture, Level level, String logger) {
        return capture.events().stream().filter(event -> event.level() == level && event.logger().equals(logger))
                .toList();
    }

    @Test
    void case1_aShortKeyIsWarnedAboutByItsSettingNeverByItsValue() {
        try (LogCapture capture = LogCapture.open()) {
            SigningKey.of("test", "short-key-9");
            SigningKey.of("live", "short-key-8", "refold.webhooks.keys.live");
            SigningKey.of("long", API_KEY);
            WebhookSigner.of("short-key-7");

            List<String> warnings = capture.events().stream().filter(event -> event.level() == Level.WARN)
                    .map(CapturedEvent::rendered).toList();
            assertThat(warnings).hasSize(2);
            assertThat(warnings.get(0)).contains("API key for label 'test'", "shorter than 16 characters");
            assertThat(warnings.get(1)).contains("refold.webhooks.keys.live");
            assertThat(String.join("\n", warnings)).doesNotContain("short-key-9", "short-key-8");
        }
    }

    @Test
    void case2_eventsNoHandlerTakesAreWarnedAboutOncePerTypePerHour() {
        WebhookReceiver receiver = WebhookReceiver.builder().signingKey("test", API_KEY).clock(clock)
                .on(ConnectionEvent.class, (event, context) -> { }).build();

        try (LogCapture capture = LogCapture.open()) {
            for (int i = 0; i < 3; i++) {
                assertThat(receiver.receive(signed(EventType.WORKFLOW_ERRORED)).outcome()).isEqualTo(Outcome.IGNORED);
            }
            receiver.receive(signed(EventType.WORKFLOW_COMPLETED));
            clock.advance(Duration.ofMinutes(59));
            receiver.receive(signed(EventType.WORKFLOW_ERRORED));
            List<CapturedEvent> firstHour = at(capture, Level.WARN, DELIVERY);
            clock.advance(Duration.ofMinutes(2));
            receiver.receive(signed(EventType.WORKFLOW_ERRORED));

            List<CapturedEvent> warnings = at(capture, Level.WARN, DELIVERY);
            assertThat(firstHour).hasSize(2);
            assertThat(firstHour.get(0).message()).contains("acknowledged 1 Workflow Errored event",
                    "no handler takes", "once an hour");
            assertThat(firstHour.get(1).message()).contains("acknowledged 1 Workflow Completed event");
            assertThat(warnings).hasSize(3);
            assertThat(warnings.get(2).message()).contains("acknowledged 4 Workflow Errored events since "
                    + "2026-11-30T08:00:00Z");
            assertThat(at(capture, Level.INFO, DELIVERY)).extracting(CapturedEvent::message)
                    .allSatisfy(line -> assertThat(line).contains("outcome=ignored status=200"));
        }
    }

    @Test
    void case6_rejectionsBeforeTheSignatureAreDebugWithOneWarningAMinuteCountingThem() {
        WebhookReceiver receiver = WebhookReceiver.builder().signingKey("test", API_KEY).clock(clock)
                .maxBodyBytes(1000).allowNoHandlers().build();

        try (LogCapture capture = LogCapture.open()) {
            receiver.receive(unsigned());
            receiver.receive(unsigned());
            receiver.receive(DeliveryRequest.of("GET", Headers.empty(), new byte[0]));
            receiver.receive("POST", Headers.empty(), new ByteArrayInputStream(new byte[0]), 5000);
            receiver.receive(DeliveryRequest.of("POST", Headers.of("x-cobalt-signature", "0".repeat(64)),
                    new byte[10]));
            List<CapturedEvent> firstMinute = at(capture, Level.WARN, DELIVERY);
            clock.advance(Duration.ofSeconds(61));
            receiver.receive(DeliveryRequest.of("DELETE", Headers.empty(), new byte[0]));

            assertThat(at(capture, Level.DEBUG, DELIVERY)).hasSize(6).allSatisfy(event -> {
                assertThat(event.message()).startsWith("refold delivery outcome=");
                assertThat(event.keyValues()).containsKeys("outcome", "status", "reason");
            });
            assertThat(firstMinute).hasSize(1);
            assertThat(firstMinute.get(0).message()).contains("refused 1 request before verifying a signature",
                    "(signature_missing=1)", "at most once a minute");
            List<CapturedEvent> warnings = at(capture, Level.WARN, DELIVERY);
            assertThat(warnings).hasSize(2);
            assertThat(warnings.get(1).message()).contains("refused 5 requests", "since 2026-11-30T08:00:00Z",
                    "method_not_allowed=2", "payload_too_large=1", "signature_missing=1", "signature_mismatch=1");
        }
    }

    // security.md's table of levels, row by row: who can cause the line decides its level.
    @Test
    void theLevelOfADeliveryLineFollowsWhoCanCauseIt() {
        IllegalStateException pagerDown = new IllegalStateException("pager is down");
        WebhookReceiver failing = WebhookReceiver.builder().signingKey("live", API_KEY)
                .onAny((event, context) -> {
                    throw pagerDown;
                }).build();
        StoreUnavailableException storeDown = new StoreUnavailableException("store is down");
        WebhookReceiver storeless = WebhookReceiver.builder().signingKey("live", API_KEY)
                .idempotencyStore(new IdempotencyStore() {
                    @Override
                    public ClaimResult claim(String key, String owner, Duration lease) {
                        throw storeDown;
                    }

                    @Override
                    public boolean renew(String key, String owner, Duration lease) {
                        throw storeDown;
                    }

                    @Override
                    public boolean complete(String key, String owner, Duration retention) {
                        throw storeDown;
                    }

                    @Override
                    public boolean release(String key, String owner) {
                        throw storeDown;
                    }
                })
                .onAny((event, context) -> { }).build();
        WebhookReceiver refusing = WebhookReceiver.builder().signingKey("live", API_KEY)
                .onAny((event, context) -> { })
                .acknowledgeFast(task -> {
                    throw new RejectedExecutionException("queue is full");
                }).build();
        WebhookReceiver fine = WebhookReceiver.builder().signingKey("live", API_KEY)
                .onAny((event, context) -> { }).build();
        byte[] notAnEvent = "{\"no\": \"event\"".getBytes(StandardCharsets.UTF_8);

        try (LogCapture capture = LogCapture.open()) {
            assertThat(failing.receive(signed(EventType.WORKFLOW_ERRORED)).status()).isEqualTo(500);
            assertThat(storeless.receive(signed(EventType.WORKFLOW_ERRORED)).status()).isEqualTo(503);
            assertThat(refusing.receive(signed(EventType.WORKFLOW_ERRORED)).outcome()).isEqualTo(Outcome.OVERLOADED);
            List<CapturedEvent> errors = at(capture, Level.ERROR, DELIVERY);
            assertThat(fine.receive(DeliveryRequest.of("POST", Headers.of("x-cobalt-signature",
                    WebhookSigner.of(API_KEY).sign(notAnEvent)), notAnEvent)).status()).isEqualTo(400);
            List<CapturedEvent> warnings = at(capture, Level.WARN, DELIVERY);
            assertThat(fine.receive(signed(EventType.WORKFLOW_ERRORED)).status()).isEqualTo(200);
            assertThat(fine.receive(signed(EventType.WORKFLOW_ERRORED)).outcome()).isEqualTo(Outcome.DUPLICATE);

            assertThat(errors).extracting(line -> line.keyValues().get("outcome"))
                    .containsExactly("handler_failed", "store_unavailable", "overloaded");
            assertThat(errors.get(0).throwable()).isSameAs(pagerDown);
            assertThat(errors.get(1).throwable()).isSameAs(storeDown);
            assertThat(errors.get(2).throwable()).isInstanceOf(RejectedExecutionException.class);
            assertThat(warnings).extracting(line -> line.keyValues().get("outcome"))
                    .containsExactly("invalid_payload");
            assertThat(at(capture, Level.INFO, DELIVERY)).extracting(line -> line.keyValues().get("outcome"))
                    .containsExactly("processed", "duplicate");
            assertThat(at(capture, Level.DEBUG, DELIVERY)).isEmpty();
        }
    }

    @Test
    void deliveryLinesCarryTheirValuesAsKeyValuePairsBesideTheMessage() {
        WebhookReceiver receiver = WebhookReceiver.builder().signingKey("live", API_KEY)
                .onAny((event, context) -> { }).build();

        try (LogCapture capture = LogCapture.open()) {
            receiver.receive(signed(EventType.WORKFLOW_ERRORED));

            CapturedEvent line = at(capture, Level.INFO, DELIVERY).get(0);
            assertThat(line.message()).startsWith("refold delivery outcome=processed status=200 event=Workflow Errored");
            assertThat(line.keyValues()).containsEntry("outcome", "processed").containsEntry("status", 200)
                    .containsEntry("event", "Workflow Errored").containsEntry("keyLabel", "live")
                    .containsEntry("idempotencyKey", "workflow-errored:-:656f308b9144bb8f183bfc7b")
                    .containsKey("tookMicros");
        }
    }

    @Test
    void theStartupLineSaysWhereWhatAndHowButNoKey() {
        WebhookReceiver receiver = WebhookReceiver.builder().signingKey("test", API_KEY)
                .on(ConnectionEvent.class, (event, context) -> { }).onAny((event, context) -> { })
                .readDeadline(Duration.ofSeconds(5)).build();

        try (LogCapture capture = LogCapture.open()) {
            receiver.announce("/webhooks/refold", "endpoint");

            List<CapturedEvent> lines = at(capture, Level.INFO, "ai.refold.webhooks.receiver");
            assertThat(lines).hasSize(1);
            assertThat(lines.get(0).message()).contains("path=/webhooks/refold", "mode=endpoint", "keys=[test]",
                    "Connection Created=2", "Workflow Errored=1", "unknown=1", "store=InMemoryIdempotencyStore",
                    "dispatch=synchronous", "maxBodyBytes=1048576", "readDeadline=PT5S", "bodyBudgetBytes=67108864")
                    .doesNotContain(API_KEY);
            assertThat(lines.get(0).keyValues()).containsEntry("path", "/webhooks/refold")
                    .containsEntry("keyLabels", List.of("test")).containsKey("handlers");
        }
    }
}
