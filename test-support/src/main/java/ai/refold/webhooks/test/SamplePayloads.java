package ai.refold.webhooks.test;

import ai.refold.webhooks.event.EventType;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Objects;

/**
 * The sample payload of each event type exactly as Refold's documentation shows it, for tests, demos and tools.
 * The samples themselves ship in the core jar, beside {@link EventType}.
 */
public final class SamplePayloads {

    private SamplePayloads() {
    }

    /**
     * {@return a fresh copy of the documented sample body for {@code type}, byte for byte}
     *
     * @param type the documented event type
     * @throws NullPointerException if {@code type} is null
     */
    public static byte[] of(EventType type) {
        Objects.requireNonNull(type, "type");
        String resource = "samples/" + type.name().toLowerCase(Locale.ROOT).replace('_', '-') + ".json";
        try (InputStream in = EventType.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource + " beside " + EventType.class);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
