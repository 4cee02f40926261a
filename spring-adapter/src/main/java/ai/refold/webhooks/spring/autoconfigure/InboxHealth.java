package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.idempotency.InboxStore;
import ai.refold.webhooks.idempotency.JdbcInboxStore;
import ai.refold.webhooks.idempotency.StoreUnavailableException;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The inbox's health, decided once for Boot 3's and Boot 4's health indicators: DOWN when the store cannot answer, or
 * when a {@link JdbcInboxStore}'s database refuses writes (a read-only replica answers every read, and every delivery
 * 503), OUT_OF_SERVICE when the oldest due delivery has waited longer than
 * {@code refold.webhooks.inbox.health.max-due-age} (the workers are stuck or too few), UP otherwise. It asks the store
 * only for the oldest due delivery ({@link InboxStore#oldestDue()}) and, of a JDBC store, whether its database takes
 * writes ({@link JdbcInboxStore#checkWritable()}: one row of settings), at most once per {@link InboxReading#MAX_AGE},
 * and never counts entries: counting the done ones reads every row kept for the duplicate guard (68 to 420 ms at a
 * million rows on PostgreSQL, see docs/inbox.md), which a probe every few seconds must not pay. The counts are the
 * gauges' and the refoldinbox endpoint's. The details are ages and reasons, never a key, a body or a database URL.
 * A store that does not answer within {@link InboxReading#MAX_WAIT} is DOWN, the probe answered meanwhile.
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

    private final InboxReading<Optional<Instant>> oldestDue;
    private final Duration maxDueAge;

    InboxHealth(InboxReading<Optional<Instant>> oldestDue, Duration maxDueAge) {
        this.oldestDue = Objects.requireNonNull(oldestDue, "oldestDue");
        this.maxDueAge = maxDueAge;
    }

    /**
     * Returns what the health reads from {@code store}: the oldest due delivery, after checking that a JDBC store's
     * database takes writes.
     */
    static Supplier<Optional<Instant>> reading(InboxStore store) {
        if (store instanceof JdbcInboxStore jdbc) {
            return () -> {
                jdbc.checkWritable();
                return jdbc.oldestDue();
            };
        }
        return store::oldestDue;
    }

    /** Decides from the last reading of the oldest due delivery, if it is recent enough, or from a new one. */
    Verdict check() {
        return of(oldestDue.current(), maxDueAge);
    }

    static Verdict of(InboxReading.Snapshot<Optional<Instant>> reading, Duration maxDueAge) {
        Map<String, Object> details = new LinkedHashMap<>();
        if (reading.failure().isPresent()) {
            details.put("error", describe(reading.failure().get()));
            return new Verdict(DOWN, details);
        }
        details.put("maxDueAgeSeconds", maxDueAge.toSeconds());
        Optional<Instant> due = reading.value().orElseThrow();
        if (due.isEmpty()) {
            return new Verdict(UP, details);
        }
        Duration age = ageOf(due.get(), reading.readAt());
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
