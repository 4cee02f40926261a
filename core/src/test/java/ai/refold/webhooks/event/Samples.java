package ai.refold.webhooks.event;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;

/**
 * The documented sample bodies for core's own tests. Users and the other modules read them through
 * {@code ai.refold.webhooks.test.SamplePayloads}, which core's tests cannot use: refold-webhooks-test depends on core.
 */
public final class Samples {

    private Samples() {
    }

    /** Returns a fresh copy of the documented sample body for {@code type}, byte for byte. */
    public static byte[] of(EventType type) {
        String resource = "samples/" + type.name().toLowerCase(Locale.ROOT).replace('_', '-') + ".json";
        try (InputStream in = EventType.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
