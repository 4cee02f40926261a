package ai.refold.webhooks.examples;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads the example receivers' API key from the environment, falling back to a clearly fake demo key. */
public final class ExampleKeys {

    /** The environment variable holding the Refold API key the examples verify with. */
    public static final String VARIABLE = "REFOLD_API_KEY";

    /** A key that is obviously not a real one, used when {@value #VARIABLE} is not set. */
    public static final String DEMO_KEY = "demo-key-not-a-real-refold-api-key";

    private static final Logger LOG = LoggerFactory.getLogger(ExampleKeys.class);

    private ExampleKeys() {
    }

    /** Returns the key from {@value #VARIABLE}, or the demo key with a warning. */
    public static String apiKey() {
        String key = System.getenv(VARIABLE);
        if (key == null || key.isBlank()) {
            LOG.warn("{} is not set: verifying with the demo key, which real Refold deliveries will not match",
                    VARIABLE);
            return DEMO_KEY;
        }
        return key.trim();
    }
}
