package ai.refold.webhooks.event;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * The sample payload of each event type exactly as Refold's documentation shows it, for tests, demos and tools.
 */
public final class SamplePayloads {

    private SamplePayloads() {
    }

    /** Returns a fresh copy of the documented sample body for {@code type}, byte for byte. */
    public static byte[] of(EventType type) {
        Objects.requireNonNull(type, "type");
        String resource = "samples/" + type.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-') + ".json";
        try (InputStream in = SamplePayloads.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
