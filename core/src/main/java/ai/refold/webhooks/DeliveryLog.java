package ai.refold.webhooks;

import ai.refold.webhooks.event.WebhookEvent;
import ai.refold.webhooks.idempotency.InboxState;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;

/**
 * The one log line per delivery, on the {@value #LOGGER} logger, and the listeners told of every result. No line
 * carries a body, a key or a signature, and values that come from a signed body are escaped.
 */
final class DeliveryLog {

    static final String LOGGER = "ai.refold.webhooks.delivery";

    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);
    private static final Logger CONFIGURATION = LoggerFactory.getLogger("ai.refold.webhooks.receiver");

    private final DeliveryListener[] listeners;

    DeliveryLog(List<DeliveryListener> listeners) {
        this.listeners = listeners.toArray(new DeliveryListener[0]);
    }

    /** Reports {@code result}, decided {@code start} nanoseconds in, and returns it. */
    DeliveryResult log(DeliveryResult result, long start, Throwable cause) {
        if (listeners.length > 0) {
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            for (DeliveryListener listener : listeners) {
                try {
                    listener.onDelivery(result, elapsed);
                } catch (RuntimeException e) {
                    LOG.warn("delivery listener {} failed: {}", listener.getClass().getName(), e.toString());
                }
            }
        }
        int status = result.status();
        if (status >= 500) {
            if (LOG.isErrorEnabled()) {
                LOG.error("refold delivery outcome={} status={} event={} key={} took={}us", result.outcome().code(),
                        status, eventName(result), printable(result.idempotencyKey().orElse("-")), micros(start),
                        cause);
            }
        } else if (status >= 400 && status != 409) {
            if (LOG.isWarnEnabled()) {
                LOG.warn("refold delivery outcome={} status={} event={} reason=\"{}\" took={}us",
                        result.outcome().code(), status, eventName(result), printable(result.message()),
                        micros(start));
            }
        } else if (LOG.isInfoEnabled()) {
            LOG.info("refold delivery outcome={} status={} event={} key={} keyLabel={} took={}us",
                    result.outcome().code(), status, eventName(result),
                    printable(result.idempotencyKey().orElse("-")), result.keyLabel().orElse("-"), micros(start));
        }
        return result;
    }

    /** Returns whether a listener wants to hear of each handler run. */
    boolean timesHandlers() {
        return listeners.length > 0;
    }

    /** Tells the listeners of one handler run. */
    void handlerRan(String handler, WebhookEvent event, long nanos, Throwable failure) {
        Duration elapsed = Duration.ofNanos(nanos);
        for (DeliveryListener listener : listeners) {
            try {
                listener.onHandler(handler, event, elapsed, failure);
            } catch (RuntimeException e) {
                LOG.warn("delivery listener {} failed: {}", listener.getClass().getName(), e.toString());
            }
        }
    }

    /** Logs and reports one inbox attempt: INFO when done, WARN when it failed, ERROR when it is dead. */
    void inboxAttempt(String key, int attempt, InboxState outcome, Duration delay, String failure, long nanos) {
        Duration elapsed = Duration.ofNanos(nanos);
        for (DeliveryListener listener : listeners) {
            try {
                listener.onInboxAttempt(key, attempt, outcome, elapsed);
            } catch (RuntimeException e) {
                LOG.warn("delivery listener {} failed: {}", listener.getClass().getName(), e.toString());
            }
        }
        if (outcome == InboxState.DONE) {
            LOG.info("refold inbox key={} attempt={} outcome=done took={}ms", printable(key), attempt,
                    elapsed.toMillis());
        } else if (outcome == InboxState.PENDING) {
            LOG.warn("refold inbox key={} attempt={} outcome=retry in={}s failure={}", printable(key), attempt,
                    delay.toSeconds(), failure);
        } else {
            LOG.error("refold inbox key={} attempt={} outcome=dead failure={}", printable(key), attempt, failure);
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

    /** Returns {@code value} with control characters escaped, so that it cannot forge a log line. */
    static String printable(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                StringBuilder escaped = new StringBuilder(value.length() + 8).append(value, 0, i);
                for (int j = i; j < value.length(); j++) {
                    char d = value.charAt(j);
                    if (d < 0x20 || d == 0x7f) {
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

    private static String eventName(DeliveryResult result) {
        return printable(result.event().map(e -> e.eventName().orElse("unknown")).orElse("-"));
    }

    private static long micros(long start) {
        return (System.nanoTime() - start) / 1000;
    }
}
