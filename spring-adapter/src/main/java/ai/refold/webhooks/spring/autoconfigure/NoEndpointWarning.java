package ai.refold.webhooks.spring.autoconfigure;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;

/**
 * Says once, at startup, why the starter registers no endpoint that receives deliveries, so that an application
 * whose deliveries would all be answered 404 learns it from its log instead of from Refold's retries.
 */
final class NoEndpointWarning implements SmartInitializingSingleton {

    // The logger of the receiver's own startup line.
    private static final Logger LOG = LoggerFactory.getLogger("ai.refold.webhooks.receiver");

    private final String reason;
    private final String remedy;

    NoEndpointWarning(String reason, String remedy) {
        this.reason = reason;
        this.remedy = remedy;
    }

    @Override
    public void afterSingletonsInstantiated() {
        LOG.warn("refold webhooks: no endpoint receives deliveries, because {}. To receive them, {}; or set"
                + " refold.webhooks.enabled=false if the starter is on the classpath only for its types.", reason,
                remedy);
    }

    /** Returns the warning, as logged. */
    String message() {
        return "no endpoint receives deliveries, because " + reason;
    }

    @Override
    public String toString() {
        return "NoEndpointWarning[" + reason + "]";
    }
}
