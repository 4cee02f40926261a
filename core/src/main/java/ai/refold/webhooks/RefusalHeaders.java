package ai.refold.webhooks;

import java.util.HashMap;
import java.util.Map;

/** The headers of the receiver's own refusals, each written once: the combined ones are derived. */
final class RefusalHeaders {

    /** {@code Allow}: the methods a Refold subscription can deliver with. */
    static final Map<String, String> ALLOW = Map.of("Allow", String.join(", ", Pipeline.METHODS));
    /** The unread rest of a refused body is not worth draining: asks the client to close the connection. */
    static final Map<String, String> CLOSE = Map.of("Connection", "close");
    /** Nothing was claimed or stored: the copy may come back at once, here after a restart or to another instance. */
    static final Map<String, String> RETRY_SOON = Map.of("Retry-After", "1");
    static final Map<String, String> ALLOW_AND_CLOSE = closing(ALLOW);
    static final Map<String, String> BUSY = closing(RETRY_SOON);

    private RefusalHeaders() {
    }

    private static Map<String, String> closing(Map<String, String> headers) {
        Map<String, String> all = new HashMap<>(headers);
        all.putAll(CLOSE);
        return Map.copyOf(all);
    }
}
