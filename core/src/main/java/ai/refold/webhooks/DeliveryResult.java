package ai.refold.webhooks;

import ai.refold.webhooks.event.WebhookEvent;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What to answer for a delivery, and what is known about it. Adapters write {@link #status()},
 * {@link #responseHeaders()} and {@link #responseBody()} as they are and decide nothing themselves.
 *
 * @param outcome         what happened
 * @param status          the HTTP status to answer
 * @param message         a short human-readable reason, safe to show to the sender
 * @param event           the parsed event, when parsing was reached
 * @param idempotencyKey  the event's idempotency key, when it was computed
 * @param keyLabel        the label of the key that verified the signature, when one did
 * @param responseHeaders headers to add to the response, such as {@code Allow} or {@code Retry-After}
 */
public record DeliveryResult(
        Outcome outcome,
        int status,
        String message,
        Optional<WebhookEvent> event,
        Optional<String> idempotencyKey,
        Optional<String> keyLabel,
        Map<String, String> responseHeaders) {

    /** The media type of {@link #responseBody()}. */
    public static final String CONTENT_TYPE = "application/json";

    /**
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if the status is not a valid HTTP status
     */
    public DeliveryResult {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        Objects.requireNonNull(keyLabel, "keyLabel");
        responseHeaders = Map.copyOf(responseHeaders);
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("not an HTTP status: " + status);
        }
    }

    /** Returns whether Refold will consider the delivery done (HTTP 200). */
    public boolean isAcknowledged() {
        return status == 200;
    }

    /** Returns the JSON body to answer: {@code {"status":"<outcome code>","reason":"<message>"}}. */
    public String responseBody() {
        StringBuilder json = new StringBuilder(32 + message.length());
        json.append("{\"status\":\"").append(outcome.code()).append("\",\"reason\":\"");
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            if (c == '"' || c == '\\') {
                json.append('\\').append(c);
            } else if (c < 0x20) {
                json.append(String.format("\\u%04x", (int) c));
            } else {
                json.append(c);
            }
        }
        return json.append("\"}").toString();
    }
}
