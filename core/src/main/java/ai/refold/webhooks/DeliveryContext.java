package ai.refold.webhooks;

import java.time.Instant;
import java.util.Objects;

/**
 * What a handler knows about the delivery besides the event itself.
 *
 * @param idempotencyKey the key the event is deduplicated on
 * @param keyLabel       the label of the signing key that verified the delivery, for example {@code "live"}
 * @param receivedAt     when the receiver took the delivery, by its clock
 * @param headers        the request headers
 */
public record DeliveryContext(String idempotencyKey, String keyLabel, Instant receivedAt, Headers headers) {

    /**
     * @throws NullPointerException if an argument is null
     */
    public DeliveryContext {
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        Objects.requireNonNull(keyLabel, "keyLabel");
        Objects.requireNonNull(receivedAt, "receivedAt");
        Objects.requireNonNull(headers, "headers");
    }
}
