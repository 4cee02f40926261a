package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.idempotency.InboxState;
import ai.refold.webhooks.idempotency.InboxStats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The inbox's gauges, {@value RefoldWebhookMetrics#INBOX_ENTRIES} tagged {@code state} (one of the four states,
 * lower case) and {@value RefoldWebhookMetrics#INBOX_OLDEST_DUE_AGE} in seconds, read through the
 * {@link InboxReading} so that a scrape costs at most one query; NaN while the store cannot answer. Also counts
 * the replays the endpoint makes, {@value RefoldWebhookMetrics#INBOX_REPLAYS}. The attempts and dead letters are
 * counted by {@link RefoldWebhookMetrics} as the workers report them.
 *
 * <p>The gauges read this context's store, so they leave the registry when the context closes: a registry that
 * outlives it (one of a parent context) would otherwise go on reading a closed store, keep it reachable, and ignore
 * the gauges of the next context, which have the same names and tags. The counters stay: they hold nothing.
 */
final class RefoldInboxMetrics implements InboxReplayCounter, AutoCloseable {

    private final MeterRegistry registry;
    private final Counter replays;
    private final List<Gauge> gauges = new ArrayList<>();

    RefoldInboxMetrics(MeterRegistry registry, InboxReading<InboxStats> cache) {
        this.registry = registry;
        for (InboxState state : InboxState.values()) {
            register(gauge(cache, RefoldWebhookMetrics.INBOX_ENTRIES, (stats, now) -> stats.count(state))
                    .description("Refold webhook deliveries in the inbox, by state"),
                    RefoldWebhookMetrics.INBOX_ENTRIES, Tags.of("state", state.name().toLowerCase(Locale.ROOT)));
        }
        register(gauge(cache, RefoldWebhookMetrics.INBOX_OLDEST_DUE_AGE, (stats, now) -> stats.oldestDue()
                .map(due -> InboxHealth.ageOf(due, now).toMillis() / 1000.0).orElse(0.0))
                .description("How long the oldest due Refold webhook delivery has waited for a worker")
                .baseUnit("seconds"), RefoldWebhookMetrics.INBOX_OLDEST_DUE_AGE, Tags.empty());
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

    /** Takes this context's gauges off the registry; called when the context closes. */
    @Override
    public void close() {
        gauges.forEach(registry::remove);
        gauges.clear();
    }

    // A gauge registered with the same name and tags before this one (by another context still open on a shared
    // registry) is that context's, reading its store, and is left to it to take off.
    private void register(Gauge.Builder<InboxReading<InboxStats>> builder, String name, Tags tags) {
        boolean taken = registry.find(name).tags(tags).gauge() != null;
        Gauge gauge = builder.tags(tags).register(registry);
        if (!taken) {
            gauges.add(gauge);
        }
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
