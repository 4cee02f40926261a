package ai.refold.webhooks;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Collects one request body, never more than the limit and one byte, with its bytes held against the
 * {@link BodyBudget}. Bytes come either pushed ({@link #append}, for adapters that read without blocking) or pulled
 * from a blocking stream ({@link #readFrom}). A declared length is reserved and allocated once, and reading stops
 * there even if the client sends more; a body of unknown length grows its buffer by doubling, reserving each growth.
 * Not thread-safe: its owner serialises the calls.
 */
final class BodyReader {

    /** Where the body stands after the bytes just taken. */
    enum Progress {
        /** More bytes are wanted. */
        MORE,
        /** The declared length was reached. */
        COMPLETE,
        /** The body is longer than the limit. */
        TOO_LARGE,
        /** The budget cannot hold the body's next bytes. */
        OVER_BUDGET
    }

    private static final int FIRST_CHUNK = 8192;

    private final long declared;
    private final int maxBytes;
    private final BodyBudget budget;
    private long reserved;
    private byte[] buffer;
    private int length;

    private BodyReader(long declared, int maxBytes, BodyBudget budget) {
        this.declared = declared;
        this.maxBytes = maxBytes;
        this.budget = budget;
    }

    /**
     * Returns a reader for a body of {@code declared} bytes (at most {@code maxBytes}, checked by the caller) or of
     * unknown length ({@code -1}), or null if the budget cannot hold its first bytes.
     */
    static BodyReader open(long declared, int maxBytes, BodyBudget budget) {
        BodyReader reader = new BodyReader(declared, maxBytes, budget);
        int first = declared >= 0 ? (int) declared : (int) Math.min(FIRST_CHUNK, (long) maxBytes + 1);
        if (!budget.reserve(first)) {
            return null;
        }
        reader.reserved = first;
        reader.buffer = new byte[first];
        return reader;
    }

    /** Returns whether the declared length has been read; a body of unknown length completes only at its end. */
    boolean isComplete() {
        return declared >= 0 && length == declared;
    }

    /** Returns whether a body that ended now would be shorter than its declared length. */
    boolean endedEarly() {
        return declared >= 0 && length < declared;
    }

    /** Takes pushed bytes; those beyond a declared length are ignored. */
    Progress append(byte[] bytes, int offset, int count) {
        int taken = 0;
        while (taken < count) {
            Progress room = makeRoom();
            if (room != Progress.MORE) {
                return room;
            }
            int n = Math.min(count - taken, buffer.length - length);
            System.arraycopy(bytes, offset + taken, buffer, length, n);
            length += n;
            taken += n;
        }
        return progress();
    }

    /**
     * Reads once from a blocking stream into the body.
     *
     * @return the progress, or null at the end of the stream
     * @throws IOException if the stream fails
     */
    Progress readFrom(InputStream in) throws IOException {
        Progress room = makeRoom();
        if (room != Progress.MORE) {
            return room;
        }
        int read = in.read(buffer, length, buffer.length - length);
        if (read < 0) {
            return null;
        }
        length += read;
        return progress();
    }

    /** Returns the body read so far, exactly. */
    byte[] body() {
        return length == buffer.length ? buffer : Arrays.copyOf(buffer, length);
    }

    /** Gives the reserved bytes back to the budget; later calls do nothing. */
    void release() {
        budget.release(reserved);
        reserved = 0;
    }

    private Progress progress() {
        if (length > maxBytes) {
            return Progress.TOO_LARGE;
        }
        return isComplete() ? Progress.COMPLETE : Progress.MORE;
    }

    // Ensures the buffer has room for one more byte, growing (and reserving) a body of unknown length.
    private Progress makeRoom() {
        if (isComplete()) {
            return Progress.COMPLETE;
        }
        if (length < buffer.length) {
            return Progress.MORE;
        }
        if (length > maxBytes) {
            return Progress.TOO_LARGE;
        }
        int grown = (int) Math.min((long) maxBytes + 1, 2L * buffer.length);
        if (!budget.reserve(grown - buffer.length)) {
            return Progress.OVER_BUDGET;
        }
        reserved += grown - buffer.length;
        buffer = Arrays.copyOf(buffer, grown);
        return Progress.MORE;
    }
}
