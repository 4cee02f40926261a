package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.DeliveryResult;
import ai.refold.webhooks.Outcome;
import ai.refold.webhooks.event.EventParser;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.WebhookEvent;
import ai.refold.webhooks.idempotency.InboxState;
import ai.refold.webhooks.test.SamplePayloads;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The meters are kept after their first use: each count must still land on the meter its tags name. */
class RefoldWebhookMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final RefoldWebhookMetrics metrics = new RefoldWebhookMetrics(registry);

    @Test
    void eachDeliveryCountsOnceUnderItsEventAndOutcomeWhateverCameBefore() {
        for (EventType type : EventType.values()) {
            for (int i = 0; i <= type.ordinal(); i++) {
                metrics.onDelivery(result(Outcome.PROCESSED, Optional.of(event(type))), Duration.ZERO);
            }
            metrics.onDelivery(result(Outcome.DUPLICATE, Optional.of(event(type))), Duration.ZERO);
        }
        WebhookEvent unknown = EventParser.standard().parse(
                "{\"event\":\"Something New\"}".getBytes(StandardCharsets.UTF_8));
        metrics.onDelivery(result(Outcome.IGNORED, Optional.of(unknown)), Duration.ZERO);
        metrics.onDelivery(result(Outcome.IGNORED, Optional.of(unknown)), Duration.ZERO);
        metrics.onDelivery(result(Outcome.SIGNATURE_MISMATCH, Optional.empty()), Duration.ZERO);

        for (EventType type : EventType.values()) {
            assertThat(deliveries(type.wireName(), Outcome.PROCESSED)).isEqualTo(type.ordinal() + 1);
            assertThat(deliveries(type.wireName(), Outcome.DUPLICATE)).isEqualTo(1);
        }
        assertThat(deliveries("unknown", Outcome.IGNORED)).isEqualTo(2);
        assertThat(deliveries("none", Outcome.SIGNATURE_MISMATCH)).isEqualTo(1);
        assertThat(registry.find(RefoldWebhookMetrics.DELIVERIES).counters())
                .hasSize(2 * EventType.values().length + 2);
    }

    @Test
    void eachHandlerRunIsTimedUnderItsHandlerEventAndOutcome() {
        WebhookEvent created = event(EventType.CONNECTION_CREATED);
        WebhookEvent errored = event(EventType.WORKFLOW_ERRORED);
        metrics.onHandler("sync", created, Duration.ofMillis(3), null);
        metrics.onHandler("sync", created, Duration.ofMillis(5), null);
        metrics.onHandler("sync", errored, Duration.ofMillis(7), new IllegalStateException("down"));
        metrics.onHandler("alert", errored, Duration.ofMillis(11), null);

        assertThat(timer("sync", "Connection Created", "success").count()).isEqualTo(2);
        assertThat(timer("sync", "Connection Created", "success").totalTime(TimeUnit.MILLISECONDS))
                .isEqualTo(8);
        assertThat(timer("sync", "Workflow Errored", "failure").count()).isEqualTo(1);
        assertThat(timer("alert", "Workflow Errored", "success").count()).isEqualTo(1);
        assertThat(registry.find(RefoldWebhookMetrics.HANDLER_DURATION).timers()).hasSize(3);
    }

    @Test
    void inboxAttemptsCountByOutcomeAndDeadLettersAmongTheFailures() {
        metrics.onInboxAttempt("k1", 1, InboxState.DONE, Duration.ZERO);
        metrics.onInboxAttempt("k2", 1, InboxState.PENDING, Duration.ZERO);
        metrics.onInboxAttempt("k2", 2, InboxState.DEAD, Duration.ZERO);
        metrics.onInboxAttempt("k3", 1, InboxState.DONE, Duration.ZERO);

        assertThat(registry.get(RefoldWebhookMetrics.INBOX_ATTEMPTS).tag("outcome", "success").counter().count())
                .isEqualTo(2);
        assertThat(registry.get(RefoldWebhookMetrics.INBOX_ATTEMPTS).tag("outcome", "failure").counter().count())
                .isEqualTo(2);
        assertThat(registry.get(RefoldWebhookMetrics.INBOX_DEAD_LETTERS).counter().count()).isEqualTo(1);
    }

    private double deliveries(String event, Outcome outcome) {
        return registry.get(RefoldWebhookMetrics.DELIVERIES).tag("event", event).tag("outcome", outcome.code())
                .counter().count();
    }

    private Timer timer(String handler, String event, String outcome) {
        return registry.get(RefoldWebhookMetrics.HANDLER_DURATION).tag("handler", handler).tag("event", event)
                .tag("outcome", outcome).timer();
    }

    private static WebhookEvent event(EventType type) {
        return EventParser.standard().parse(SamplePayloads.of(type));
    }

    private static DeliveryResult result(Outcome outcome, Optional<WebhookEvent> event) {
        return new DeliveryResult(outcome, outcome.httpStatus(), "test", event, Optional.empty(), Optional.empty(),
                Map.of());
    }
}
