package ai.refold.webhooks;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/** Reads a request body from a stream, never more than the limit and one byte. */
final class BodyReader {

    private BodyReader() {
    }

    /**
     * Returns the body, or null if it is longer than {@code maxBytes}. A declared length (at most {@code maxBytes},
     * checked by the caller) is read exactly; an unknown one ({@code -1}) is read until the end of the stream.
     *
     * @throws IOException if the stream fails or ends before the declared length
     */
    static byte[] read(InputStream in, long contentLength, int maxBytes) throws IOException {
        if (contentLength >= 0) {
            byte[] bytes = in.readNBytes((int) contentLength);
            if (bytes.length < contentLength) {
                throw new IOException("body ended before its declared length");
            }
            return bytes;
        }
        byte[] buffer = new byte[(int) Math.min(8192L, (long) maxBytes + 1)];
        int length = 0;
        while (true) {
            if (length == buffer.length) {
                if (length > maxBytes) {
                    return null;
                }
                buffer = Arrays.copyOf(buffer, (int) Math.min((long) maxBytes + 1, 2L * buffer.length));
            }
            int read = in.read(buffer, length, buffer.length - length);
            if (read < 0) {
                break;
            }
            length += read;
        }
        if (length > maxBytes) {
            return null;
        }
        return length == buffer.length ? buffer : Arrays.copyOf(buffer, length);
    }
}
