package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.idempotency.InboxState;
import ai.refold.webhooks.idempotency.InboxStats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Instant;
import java.util.Locale;

/**
 * The inbox's gauges, {@value RefoldWebhookMetrics#INBOX_ENTRIES} tagged {@code state} (one of the four states,
 * lower case) and {@value RefoldWebhookMetrics#INBOX_OLDEST_DUE_AGE} in seconds, read through the
 * {@link InboxReading} so that a scrape costs at most one query; NaN while the store cannot answer. Also counts
 * the replays the endpoint makes, {@value RefoldWebhookMetrics#INBOX_REPLAYS}. The attempts and dead letters are
 * counted by {@link RefoldWebhookMetrics} as the workers report them.
 */
final class RefoldInboxMetrics implements InboxReplayCounter {

    private final Counter replays;

    RefoldInboxMetrics(MeterRegistry registry, InboxReading<InboxStats> cache) {
        for (InboxState state : InboxState.values()) {
            gauge(cache, RefoldWebhookMetrics.INBOX_ENTRIES, (stats, now) -> stats.count(state))
                    .description("Refold webhook deliveries in the inbox, by state")
                    .tag("state", state.name().toLowerCase(Locale.ROOT))
                    .register(registry);
        }
        gauge(cache, RefoldWebhookMetrics.INBOX_OLDEST_DUE_AGE, (stats, now) -> stats.oldestDue()
                .map(due -> InboxHealth.ageOf(due, now).toMillis() / 1000.0).orElse(0.0))
                .description("How long the oldest due Refold webhook delivery has waited for a worker")
                .baseUnit("seconds")
                .register(registry);
        // Present from the start, at zero, so that a rate or an alert on them has a series to read.
        RefoldWebhookMetrics.inboxAttempts(registry, "success");
        RefoldWebhookMetrics.inboxAttempts(registry, "failure");
        RefoldWebhookMetrics.inboxDeadLetters(registry);
        this.replays = Counter.builder(RefoldWebhookMetrics.INBOX_REPLAYS)
                .description("Dead Refold webhook deliveries replayed through the refoldinbox endpoint")
                .register(registry);
    }

    @Override
    public void replayed(int count) {
        replays.increment(count);
    }

    /** A value of the current stats, read when the store was; NaN while the store cannot answer. */
    @FunctionalInterface
    private interface StatsValue {
        double of(InboxStats stats, Instant readAt);
    }

    private static Gauge.Builder<InboxReading<InboxStats>> gauge(InboxReading<InboxStats> cache, String name,
                                                                 StatsValue value) {
        return Gauge.builder(name, cache, source -> {
            InboxReading.Snapshot<InboxStats> snapshot = source.current();
            return snapshot.value().map(stats -> value.of(stats, snapshot.readAt())).orElse(Double.NaN);
        }).strongReference(true);
    }
}
