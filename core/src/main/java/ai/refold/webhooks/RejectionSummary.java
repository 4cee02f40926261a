package ai.refold.webhooks;

import java.time.Clock;
import java.time.Instant;
import java.util.StringJoiner;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counts the requests refused before their signature was verified (405, 413, 408, 401, a body that could not be
 * read, 503 busy) and says, at most once a minute, how many there were. A public URL is probed by scanners all day:
 * a warning per probe would bury everything else in the log, while no warning at all would hide a misconfigured
 * sender. The first rejection after a quiet minute is reported at once, with what was counted since the last report.
 */
final class RejectionSummary {

    static final long INTERVAL_MILLIS = 60_000;

    private static final Outcome[] OUTCOMES = Outcome.values();

    private final Clock clock;
    private final AtomicLongArray counts = new AtomicLongArray(OUTCOMES.length);
    private final AtomicLong nextReport = new AtomicLong(Long.MIN_VALUE);
    private volatile long since;

    RejectionSummary(Clock clock) {
        this.clock = clock;
        this.since = clock.millis();
    }

    /** Returns whether {@code outcome} is a refusal decided before the signature was verified. */
    static boolean isUnverifiedRejection(Outcome outcome) {
        switch (outcome) {
            case METHOD_NOT_ALLOWED:
            case PAYLOAD_TOO_LARGE:
            case BODY_UNREADABLE:
            case READ_TIMEOUT:
            case SIGNATURE_MISSING:
            case SIGNATURE_MALFORMED:
            case SIGNATURE_MISMATCH:
            case SIGNATURE_AMBIGUOUS:
            case BUSY:
                return true;
            default:
                return false;
        }
    }

    /**
     * Counts one rejection and returns the summary to log now, or null if one was logged less than a minute ago.
     */
    String count(Outcome outcome) {
        counts.incrementAndGet(outcome.ordinal());
        long now = clock.millis();
        long due = nextReport.get();
        if (now < due || !nextReport.compareAndSet(due, now + INTERVAL_MILLIS)) {
            return null;
        }
        long total = 0;
        StringJoiner byOutcome = new StringJoiner(", ", "(", ")");
        for (Outcome each : OUTCOMES) {
            long count = counts.getAndSet(each.ordinal(), 0);
            if (count > 0) {
                total += count;
                byOutcome.add(each.code() + "=" + count);
            }
        }
        Instant from = Instant.ofEpochMilli(since);
        since = now;
        return "refold refused " + total + (total == 1 ? " request" : " requests") + " before verifying a signature"
                + " since " + from + " " + byOutcome + "; each is logged at DEBUG on " + DeliveryLog.LOGGER
                + ", and this summary at most once a minute";
    }
}
