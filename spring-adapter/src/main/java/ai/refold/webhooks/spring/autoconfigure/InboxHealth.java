package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.idempotency.InboxStore;
import ai.refold.webhooks.idempotency.StoreUnavailableException;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The inbox's health, decided once for Boot 3's and Boot 4's health indicators: DOWN when the store cannot answer,
 * OUT_OF_SERVICE when the oldest due delivery has waited longer than {@code refold.webhooks.inbox.health.max-due-age}
 * (the workers are stuck or too few), UP otherwise. It asks the store only for the oldest due delivery
 * ({@link InboxStore#oldestDue()}), at most once per {@link InboxStatsCache#MAX_AGE}, and never counts entries:
 * counting the done ones reads every row kept for the duplicate guard (68 to 420 ms at a million rows on
 * PostgreSQL, see docs/inbox.md), which a probe every few seconds must not pay. The counts are the gauges' and the refoldinbox
 * endpoint's. The details are ages, never a key, a body or a database URL.
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

    /**
     * One reading of the store.
     *
     * @param readAt    when it was read, by the application's clock
     * @param oldestDue when the oldest due delivery became due, if the store answered and one is due
     * @param failure   why the store could not answer, if it failed
     */
    record Reading(Instant readAt, Optional<Instant> oldestDue, Optional<RuntimeException> failure) {
    }

    private final InboxStore store;
    private final Clock clock;
    private final Duration maxDueAge;
    private Reading last;

    InboxHealth(InboxStore store, Clock clock, Duration maxDueAge) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.maxDueAge = maxDueAge;
    }

    /** Decides from the last reading if it is recent enough, or reads the store; one reading at a time. */
    synchronized Verdict check() {
        Instant now = clock.instant();
        if (last == null || !now.isBefore(last.readAt().plus(InboxStatsCache.MAX_AGE))
                || now.isBefore(last.readAt())) {
            try {
                last = new Reading(now, Objects.requireNonNull(store.oldestDue(), "oldestDue"), Optional.empty());
            } catch (RuntimeException e) {
                last = new Reading(now, Optional.empty(), Optional.of(e));
            }
        }
        return of(last, maxDueAge);
    }

    static Verdict of(Reading reading, Duration maxDueAge) {
        Map<String, Object> details = new LinkedHashMap<>();
        if (reading.failure().isPresent()) {
            details.put("error", describe(reading.failure().get()));
            return new Verdict(DOWN, details);
        }
        details.put("maxDueAgeSeconds", maxDueAge.toSeconds());
        if (reading.oldestDue().isEmpty()) {
            return new Verdict(UP, details);
        }
        Duration age = ageOf(reading.oldestDue().get(), reading.readAt());
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
