package ai.refold.webhooks.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import ai.refold.webhooks.idempotency.InboxState;
import ai.refold.webhooks.idempotency.InboxStats;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.Map;
import java.util.Optional;

/**
 * The inbox gauges on a registry that two contexts share (a parent's) while both are open: a gauge of a name and tags
 * is registered once, so it shows the inbox of the context opened last, and then of the other one while it is open.
 */
class RefoldInboxMetricsTest {

    private final SimpleMeterRegistry shared = new SimpleMeterRegistry();

    @Test
    void theGaugesOfAContextOpenedWhileAnotherWasStayOnceTheOtherCloses() {
        RefoldInboxMetrics first = new RefoldInboxMetrics(shared, reading(1));
        RefoldInboxMetrics second = new RefoldInboxMetrics(shared, reading(2));

        assertThat(dead()).isEqualTo(2);
        first.close();
        assertThat(shared.find(RefoldWebhookMetrics.INBOX_ENTRIES).gauges()).hasSize(4);
        assertThat(shared.find(RefoldWebhookMetrics.INBOX_OLDEST_DUE_AGE).gauges()).hasSize(1);
        assertThat(dead()).isEqualTo(2);

        second.close();
        assertThat(shared.find(RefoldWebhookMetrics.INBOX_ENTRIES).gauges()).isEmpty();
        assertThat(shared.find(RefoldWebhookMetrics.INBOX_OLDEST_DUE_AGE).gauges()).isEmpty();
    }

    @Test
    void aContextClosedFirstHandsTheGaugesBackToTheOneOpenedBeforeIt() {
        RefoldInboxMetrics first = new RefoldInboxMetrics(shared, reading(1));
        RefoldInboxMetrics second = new RefoldInboxMetrics(shared, reading(2));

        second.close();
        assertThat(dead()).isEqualTo(1);
        first.close();
        assertThat(shared.find(RefoldWebhookMetrics.INBOX_ENTRIES).gauges()).isEmpty();

        RefoldInboxMetrics third = new RefoldInboxMetrics(shared, reading(3));
        assertThat(dead()).isEqualTo(3);
        third.close();
    }

    private double dead() {
        return shared.get(RefoldWebhookMetrics.INBOX_ENTRIES).tag("state", "dead").gauge().value();
    }

    private static InboxReading<InboxStats> reading(long dead) {
        InboxStats stats = new InboxStats(Map.of(InboxState.DEAD, dead), Optional.empty());
        return new InboxReading<>(() -> stats, Clock.systemUTC(), Runnable::run, InboxReading.MAX_WAIT);
    }
}
