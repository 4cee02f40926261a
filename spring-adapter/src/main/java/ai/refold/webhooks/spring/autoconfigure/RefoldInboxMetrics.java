package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.idempotency.InboxState;
import ai.refold.webhooks.idempotency.InboxStats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * The inbox's gauges, {@value RefoldWebhookMetrics#INBOX_ENTRIES} tagged {@code state} (one of the four states,
 * lower case) and {@value RefoldWebhookMetrics#INBOX_OLDEST_DUE_AGE} in seconds, read through the
 * {@link InboxReading} so that a scrape costs at most one query; NaN while the store cannot answer. Also counts
 * the replays the endpoint makes, {@value RefoldWebhookMetrics#INBOX_REPLAYS}. The attempts and dead letters are
 * counted by {@link RefoldWebhookMetrics} as the workers report them.
 *
 * <p>The gauges never read a closed context's store: a registry that outlives contexts (one of a parent context)
 * would otherwise go on reading it, keep it reachable, and ignore the gauges of the next context, which have the same
 * names and tags. While several contexts are open on one registry the gauges read the store of the one opened last,
 * and they leave the registry when the last of them closes. The counters stay: they hold nothing.
 */
final class RefoldInboxMetrics implements InboxReplayCounter, AutoCloseable {

    // Per registry, the inboxes of the contexts open on it: a gauge of a name and tags is registered once, by the
    // first, so each gauge reads whichever is open and came last, and leaves the registry with the last to close.
    private static final Map<MeterRegistry, Shown> SHOWN = new WeakHashMap<>();

    private final MeterRegistry registry;
    private final InboxReading<InboxStats> cache;
    private final Counter replays;

    RefoldInboxMetrics(MeterRegistry registry, InboxReading<InboxStats> cache) {
        this.registry = registry;
        this.cache = cache;
        synchronized (SHOWN) {
            Shown shown = SHOWN.computeIfAbsent(registry, any -> new Shown());
            shown.open.addLast(cache);
            if (shown.open.size() == 1) {
                registerGauges(shown);
            }
        }
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

    /**
     * Stops showing this context's inbox; called when the context closes. The gauges go on with the inbox of another
     * context still open on the registry, else leave it.
     */
    @Override
    public void close() {
        synchronized (SHOWN) {
            Shown shown = SHOWN.get(registry);
            if (shown == null || !shown.open.remove(cache) || !shown.open.isEmpty()) {
                return;
            }
            shown.gauges.forEach(registry::remove);
            SHOWN.remove(registry);
        }
    }

    private void registerGauges(Shown shown) {
        for (InboxState state : InboxState.values()) {
            register(shown, gauge(shown, RefoldWebhookMetrics.INBOX_ENTRIES, (stats, now) -> stats.count(state))
                    .description("Refold webhook deliveries in the inbox, by state"),
                    RefoldWebhookMetrics.INBOX_ENTRIES, Tags.of("state", state.name().toLowerCase(Locale.ROOT)));
        }
        register(shown, gauge(shown, RefoldWebhookMetrics.INBOX_OLDEST_DUE_AGE, (stats, now) -> stats.oldestDue()
                .map(due -> InboxHealth.ageOf(due, now).toMillis() / 1000.0).orElse(0.0))
                .description("How long the oldest due Refold webhook delivery has waited for a worker")
                .baseUnit("seconds"), RefoldWebhookMetrics.INBOX_OLDEST_DUE_AGE, Tags.empty());
    }

    // A gauge of the same name and tags that is already there is not this starter's: left to whoever registered it.
    private void register(Shown shown, Gauge.Builder<Shown> builder, String name, Tags tags) {
        boolean taken = registry.find(name).tags(tags).gauge() != null;
        Gauge gauge = builder.tags(tags).register(registry);
        if (!taken) {
            shown.gauges.add(gauge);
        }
    }

    /** The inboxes of the contexts open on one registry, the latest last, and the gauges that read them. */
    private static final class Shown {
        final Deque<InboxReading<InboxStats>> open = new ConcurrentLinkedDeque<>();
        final List<Gauge> gauges = new ArrayList<>();
    }

    /** A value of the current stats, read when the store was; NaN while the store cannot answer. */
    @FunctionalInterface
    private interface StatsValue {
        double of(InboxStats stats, Instant readAt);
    }

    private static Gauge.Builder<Shown> gauge(Shown shown, String name, StatsValue value) {
        return Gauge.builder(name, shown, source -> {
            InboxReading<InboxStats> cache = source.open.peekLast();
            if (cache == null) {
                return Double.NaN;
            }
            InboxReading.Snapshot<InboxStats> snapshot = cache.current();
            return snapshot.value().map(stats -> value.of(stats, snapshot.readAt())).orElse(Double.NaN);
        }).strongReference(true);
    }
}
