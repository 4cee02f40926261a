package ai.refold.webhooks;

import ai.refold.webhooks.event.WebhookEvent;
import ai.refold.webhooks.idempotency.InboxState;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * The one log line per delivery, on the {@value #LOGGER} logger, and the listeners told of every result. No line
 * carries a body, a key or a signature, and values that come from a signed body are escaped. Levels follow who can
 * cause the line: a refusal before the signature was verified (anyone can send one) is DEBUG, summarised by a WARN at
 * most once a minute; a signed body that cannot be read is WARN; a failing handler or store is ERROR; everything
 * else INFO, with a WARN at most once an hour per event type that no handler takes.
 */
final class DeliveryLog {

    static final String LOGGER = "ai.refold.webhooks.delivery";

    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);
    private static final Logger CONFIGURATION = LoggerFactory.getLogger("ai.refold.webhooks.receiver");

    private final DeliveryListener[] listeners;
    private final RejectionSummary rejections;
    private final IgnoredEvents ignored;
    private final ErrorText errors;

    DeliveryLog(List<DeliveryListener> listeners) {
        this(listeners, Clock.systemUTC(), new ErrorText(List.of()));
    }

    /**
     * Creates the log; {@code clock} paces the summaries of rejections and of ignored events, and {@code errors}
     * masks the API keys in the failures logged with their stack traces.
     */
    DeliveryLog(List<DeliveryListener> listeners, Clock clock, ErrorText errors) {
        this.listeners = listeners.toArray(new DeliveryListener[0]);
        this.rejections = new RejectionSummary(clock);
        this.ignored = new IgnoredEvents(clock);
        this.errors = errors;
    }

    /**
     * Reports {@code result}, decided {@code start} nanoseconds in, and returns it. The line carries its values
     * twice: in the message for people, and as SLF4J key-value pairs for encoders that write fields (JSON).
     */
    DeliveryResult log(DeliveryResult result, long start, Throwable cause) {
        if (listeners.length > 0) {
            fate(result, start);
        }
        return line(result, start, cause);
    }

    /**
     * Reports the failed {@code result} as {@link #log} does, for a {@code cause} its caller rethrows to code that logs
     * it with its stack trace (a servlet container): the line names the failure, masked, instead of carrying the stack
     * trace too, so that one failure is printed once.
     */
    DeliveryResult logRethrown(DeliveryResult result, long start, Throwable cause) {
        if (listeners.length > 0) {
            fate(result, start);
        }
        if (LOG.isErrorEnabled()) {
            String failure = errors.describe(cause);
            fields(LOG.atError(), result, start).addKeyValue("failure", failure)
                    .log("refold delivery outcome={} status={} event={} key={} took={}us failure=\"{}\" (rethrown;"
                            + " its stack trace is logged where it is caught)", result.outcome().code(),
                            result.status(), eventName(result), printable(result.idempotencyKey().orElse("-")),
                            micros(start), failure);
        }
        return result;
    }

    /** Writes the delivery line of {@code result} without telling the listeners, who heard of it by {@link #fate}. */
    DeliveryResult line(DeliveryResult result, long start, Throwable cause) {
        Outcome outcome = result.outcome();
        int status = result.status();
        if (RejectionSummary.isUnverifiedRejection(outcome)) {
            // Anyone can send these to a public URL: DEBUG each, and a WARN at most once a minute that counts them.
            if (LOG.isDebugEnabled()) {
                fields(LOG.atDebug(), result, start).addKeyValue("reason", printable(result.message()))
                        .log("refold delivery outcome={} status={} reason=\"{}\" took={}us", outcome.code(), status,
                                printable(result.message()), micros(start));
            }
            String summary = rejections.count(outcome);
            if (summary != null) {
                LOG.atWarn().addKeyValue("summary", "rejections").log(summary);
            }
        } else if (status >= 500) {
            if (LOG.isErrorEnabled()) {
                fields(LOG.atError(), result, start).setCause(errors.loggable(cause))
                        .log("refold delivery outcome={} status={} event={} key={} took={}us", outcome.code(), status,
                                eventName(result), printable(result.idempotencyKey().orElse("-")), micros(start));
            }
        } else if (status >= 400 && status != 409) {
            if (LOG.isWarnEnabled()) {
                fields(LOG.atWarn(), result, start).addKeyValue("reason", printable(result.message()))
                        .log("refold delivery outcome={} status={} event={} reason=\"{}\" took={}us", outcome.code(),
                                status, eventName(result), printable(result.message()), micros(start));
            }
        } else {
            if (LOG.isInfoEnabled()) {
                fields(LOG.atInfo(), result, start)
                        .log("refold delivery outcome={} status={} event={} key={} keyLabel={} took={}us",
                                outcome.code(), status, eventName(result),
                                printable(result.idempotencyKey().orElse("-")), result.keyLabel().orElse("-"),
                                micros(start));
            }
            if (outcome == Outcome.IGNORED) {
                String warning = ignored.count(result.event().orElseThrow());
                if (warning != null) {
                    LOG.atWarn().addKeyValue("event", eventName(result)).log(warning);
                }
            }
        }
        return result;
    }

    // The values of a delivery line as key-value pairs; the key and the event name come from a signed body, so
    // they are escaped like the message.
    private static LoggingEventBuilder fields(LoggingEventBuilder line, DeliveryResult result, long start) {
        return line.addKeyValue("outcome", result.outcome().code())
                .addKeyValue("status", result.status())
                .addKeyValue("event", eventName(result))
                .addKeyValue("idempotencyKey", printable(result.idempotencyKey().orElse("-")))
                .addKeyValue("keyLabel", result.keyLabel().orElse("-"))
                .addKeyValue("tookMicros", micros(start));
    }

    /**
     * Tells the listeners of {@code result}, without a delivery line: the first half of {@link #log}, and on its own
     * what became of a delivery already answered (an accepted event cancelled at shutdown, whose loss a metric must
     * be able to show; the caller logs its own line).
     */
    void fate(DeliveryResult result, long start) {
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        tell(listener -> listener.onDelivery(result, elapsed));
    }

    /** Returns whether a listener wants to hear of each handler run. */
    boolean timesHandlers() {
        return listeners.length > 0;
    }

    /** Tells the listeners of one handler run. */
    void handlerRan(String handler, WebhookEvent event, long nanos, Throwable failure) {
        Duration elapsed = Duration.ofNanos(nanos);
        tell(listener -> listener.onHandler(handler, event, elapsed, failure));
    }

    // Tells every listener. A listener's failure, an Error included (a linkage error from a mismatched metrics
    // library, an assertion), is logged and goes no further: thrown on, it would leave a delivery unended, its claim
    // renewed for good. Only the JVM's own errors (out of memory, stack overflow) pass.
    private void tell(Consumer<DeliveryListener> call) {
        for (DeliveryListener listener : listeners) {
            try {
                call.accept(listener);
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable e) {
                LOG.warn("delivery listener {} failed: {}", listener.getClass().getName(), e.toString());
            }
        }
    }

    /**
     * Logs and reports one inbox attempt: INFO when done, WARN when it failed, ERROR when it is dead; a failure is
     * described in the line and, when a handler threw it, followed by its stack trace ({@code cause}).
     */
    void inboxAttempt(String key, int attempt, InboxState outcome, Duration delay, String failure, Throwable cause,
                      long nanos) {
        Duration elapsed = Duration.ofNanos(nanos);
        tell(listener -> listener.onInboxAttempt(key, attempt, outcome, elapsed));
        if (outcome == InboxState.DONE) {
            LOG.info("refold inbox key={} attempt={} outcome=done took={}ms", printable(key), attempt,
                    elapsed.toMillis());
        } else if (outcome == InboxState.PENDING) {
            LOG.warn("refold inbox key={} attempt={} outcome=retry in={}s failure={}", printable(key), attempt,
                    delay.toSeconds(), failure, errors.loggable(cause));
        } else {
            LOG.error("refold inbox key={} attempt={} outcome=dead failure={}", printable(key), attempt, failure,
                    errors.loggable(cause));
        }
    }

    /** Logs a problem with an event's bookkeeping that does not change its answer. */
    void warn(String message, String key, Object detail) {
        LOG.warn(message, printable(key), detail);
    }

    /** Warns, once when a receiver is built, about settings that weaken its guarantees. */
    void config(String message, Object... arguments) {
        CONFIGURATION.warn(message, arguments);
    }

    /**
     * Returns {@code value} with control characters (C0, DEL and C1, NEL among them) and the Unicode line and
     * paragraph separators escaped, so that it cannot forge a log line.
     */
    static String printable(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (needsEscape(c)) {
                StringBuilder escaped = new StringBuilder(value.length() + 8).append(value, 0, i);
                for (int j = i; j < value.length(); j++) {
                    char d = value.charAt(j);
                    if (needsEscape(d)) {
                        escaped.append(String.format("\\u%04x", (int) d));
                    } else {
                        escaped.append(d);
                    }
                }
                return escaped.toString();
            }
        }
        return value;
    }

    private static boolean needsEscape(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029;
    }

    private static String eventName(DeliveryResult result) {
        return printable(result.event().map(e -> e.eventName().orElse("unknown")).orElse("-"));
    }

    private static long micros(long start) {
        return (System.nanoTime() - start) / 1000;
    }
}
