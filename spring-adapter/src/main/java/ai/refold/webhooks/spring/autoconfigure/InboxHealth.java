package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.idempotency.InboxState;
import ai.refold.webhooks.idempotency.InboxStats;
import ai.refold.webhooks.idempotency.StoreUnavailableException;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The inbox's health, decided once for Boot 3's and Boot 4's health indicators: DOWN when the store cannot answer,
 * OUT_OF_SERVICE when the oldest due delivery has waited longer than {@code refold.webhooks.inbox.health.max-due-age}
 * (the workers are stuck or too few), UP otherwise. The details are counts and ages, never a key, a body or a
 * database URL. States are named as the refoldinbox endpoint names them.
 */
final class InboxHealth {

    static final String UP = "UP";
    static final String DOWN = "DOWN";
    static final String OUT_OF_SERVICE = "OUT_OF_SERVICE";

    /** A status code as both Boot lines name them, and the details to show with it. */
    record Verdict(String status, Map<String, Object> details) {
        Verdict {
            details = Map.copyOf(details);
        }
    }

    private final InboxStatsCache stats;
    private final Duration maxDueAge;

    InboxHealth(InboxStatsCache stats, Duration maxDueAge) {
        this.stats = stats;
        this.maxDueAge = maxDueAge;
    }

    Verdict check() {
        return of(stats.current(), maxDueAge);
    }

    static Verdict of(InboxStatsCache.Snapshot snapshot, Duration maxDueAge) {
        Map<String, Object> details = new LinkedHashMap<>();
        if (snapshot.failure().isPresent()) {
            details.put("error", describe(snapshot.failure().get()));
            return new Verdict(DOWN, details);
        }
        InboxStats stats = snapshot.stats().orElseThrow();
        Map<String, Long> entries = new LinkedHashMap<>();
        for (InboxState state : InboxState.values()) {
            entries.put(state.name(), stats.count(state));
        }
        details.put("entries", entries);
        details.put("maxDueAgeSeconds", maxDueAge.toSeconds());
        if (stats.oldestDue().isEmpty()) {
            return new Verdict(UP, details);
        }
        Duration age = ageOf(stats.oldestDue().get(), snapshot.readAt());
        details.put("oldestDueAgeSeconds", age.toSeconds());
        return new Verdict(age.compareTo(maxDueAge) > 0 ? OUT_OF_SERVICE : UP, details);
    }

    /** How long an entry due at {@code due} has waited at {@code now}; zero if the store's clock is ahead. */
    static Duration ageOf(Instant due, Instant now) {
        Duration age = Duration.between(due, now);
        return age.isNegative() ? Duration.ZERO : age;
    }

    // Core's stores keep their failures free of URLs, users, passwords and bodies; any other exception is named only.
    private static String describe(RuntimeException failure) {
        String name = failure.getClass().getName();
        if (!(failure instanceof StoreUnavailableException) || failure.getMessage() == null) {
            return name;
        }
        String text = name + ": " + failure.getMessage().lines().findFirst().orElse("");
        text = text.replaceAll("\\p{Cntrl}", "?");
        return text.length() <= 200 ? text : text.substring(0, 197) + "...";
    }
}
