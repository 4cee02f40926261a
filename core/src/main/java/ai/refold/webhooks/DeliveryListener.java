package ai.refold.webhooks;

import java.time.Duration;

/**
 * Observes every delivery's final result, for metrics or tracing. Called once per delivery on the thread that
 * decided it, after the response is decided; in acknowledge-fast mode the handlers' own result is reported when
 * they finish. A listener must be fast and must not throw; an exception it throws is logged and ignored.
 */
@FunctionalInterface
public interface DeliveryListener {

    /**
     * Reports one delivery.
     *
     * @param result  what the receiver answered or, for work finished later, what became of the event
     * @param elapsed how long the receiver took, handlers included
     */
    void onDelivery(DeliveryResult result, Duration elapsed);
}
