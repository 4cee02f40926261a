package ai.refold.webhooks;

import ai.refold.webhooks.event.WebhookEvent;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What to answer for a delivery, and what is known about it. Adapters write {@link #status()},
 * {@link #responseHeaders()} and {@link #responseBody()} as they are and decide nothing themselves.
 *
 * <p>An immutable value with the equality of a record. It is not a record so that its optional parts are made
 * only when asked for: answering a delivery allocates no {@link Optional}.
 */
public final class DeliveryResult {

    /** The media type of {@link #responseBody()}. */
    public static final String CONTENT_TYPE = "application/json";

    private final Outcome outcome;
    private final int status;
    private final String message;
    private final WebhookEvent event;
    private final String idempotencyKey;
    private final String keyLabel;
    private final Map<String, String> responseHeaders;

    /**
     * Creates a result.
     *
     * @param outcome         what happened
     * @param status          the HTTP status to answer
     * @param message         a short human-readable reason, safe to show to the sender
     * @param event           the parsed event, when parsing was reached
     * @param idempotencyKey  the event's idempotency key, when it was computed
     * @param keyLabel        the label of the key that verified the signature, when one did
     * @param responseHeaders headers to add to the response, such as {@code Allow} or {@code Retry-After}
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if the status is not a valid HTTP status
     */
    public DeliveryResult(Outcome outcome, int status, String message, Optional<WebhookEvent> event,
                          Optional<String> idempotencyKey, Optional<String> keyLabel,
                          Map<String, String> responseHeaders) {
        this(outcome, status, message, Objects.requireNonNull(event, "event").orElse(null),
                Objects.requireNonNull(idempotencyKey, "idempotencyKey").orElse(null),
                Objects.requireNonNull(keyLabel, "keyLabel").orElse(null), responseHeaders);
    }

    DeliveryResult(Outcome outcome, int status, String message, WebhookEvent event, String idempotencyKey,
                   String keyLabel, Map<String, String> responseHeaders) {
        this.outcome = Objects.requireNonNull(outcome, "outcome");
        this.message = Objects.requireNonNull(message, "message");
        this.keyLabel = keyLabel;
        this.responseHeaders = Map.copyOf(responseHeaders);
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("not an HTTP status: " + status);
        }
        this.status = status;
        this.event = event;
        this.idempotencyKey = idempotencyKey;
    }

    // A result decided before an event existed: a rejected request, or a body that did not parse.
    static DeliveryResult beforeParsing(Outcome outcome, String message, String keyLabel,
                                        Map<String, String> headers) {
        return new DeliveryResult(outcome, outcome.httpStatus(), message, (WebhookEvent) null, null, keyLabel,
                headers);
    }

    /** {@return what happened} */
    public Outcome outcome() {
        return outcome;
    }

    /** {@return the HTTP status to answer} */
    public int status() {
        return status;
    }

    /** {@return a short human-readable reason, safe to show to the sender} */
    public String message() {
        return message;
    }

    /** {@return the parsed event, when parsing was reached} */
    public Optional<WebhookEvent> event() {
        return Optional.ofNullable(event);
    }

    /** {@return the event's idempotency key, when it was computed} */
    public Optional<String> idempotencyKey() {
        return Optional.ofNullable(idempotencyKey);
    }

    /** {@return the label of the key that verified the signature, when one did} */
    public Optional<String> keyLabel() {
        return Optional.ofNullable(keyLabel);
    }

    /** {@return headers to add to the response, such as {@code Allow} or {@code Retry-After}} */
    public Map<String, String> responseHeaders() {
        return responseHeaders;
    }

    /** {@return whether Refold will consider the delivery done (HTTP 200)} */
    public boolean isAcknowledged() {
        return status == 200;
    }

    /** {@return the JSON body to answer: {@code {"status":"<outcome code>","reason":"<message>"}}} */
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

    @Override
    public boolean equals(Object other) {
        return other instanceof DeliveryResult that && outcome == that.outcome && status == that.status
                && message.equals(that.message) && Objects.equals(event, that.event)
                && Objects.equals(idempotencyKey, that.idempotencyKey) && Objects.equals(keyLabel, that.keyLabel)
                && responseHeaders.equals(that.responseHeaders);
    }

    @Override
    public int hashCode() {
        return Objects.hash(outcome, status, message, event, idempotencyKey, keyLabel, responseHeaders);
    }

    @Override
    public String toString() {
        return "DeliveryResult[outcome=" + outcome + ", status=" + status + ", message=" + message + ", event="
                + event() + ", idempotencyKey=" + idempotencyKey() + ", keyLabel=" + keyLabel()
                + ", responseHeaders=" + responseHeaders + "]";
    }
}
