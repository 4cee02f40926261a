package ai.refold.webhooks.event;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Reads the body Refold sends, a flat JSON object whose names and values are all strings of ASCII characters from the
 * space up, without escapes, straight from its bytes, without a Jackson parser; any other body (a nested or
 * non-string value, an escape, a control character or a byte outside ASCII, a limit reached, malformed JSON) is left
 * to Jackson, which {@link EventParser} then reads from the start and which reports every error. What this reader
 * accepts is a subset of what Jackson accepts, read into the same fields, so the event is the one Jackson's reading
 * makes.
 */
final class FlatObjectReader {

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    private static final long QUOTES = 0x2222222222222222L;
    private static final long BACKSLASHES = 0x5C5C5C5C5C5C5C5CL;
    private static final long SPACES = 0x2020202020202020L;

    // The documented names and vocabulary as ASCII bytes, and the slots of each name length.
    private static final byte[][] NAMES = new byte[EventFields.SLOTS][];
    private static final byte[][][] VOCABULARY = new byte[EventFields.SLOTS][][];
    private static final int[][] SLOTS_BY_LENGTH;

    static {
        int longest = 0;
        for (int slot = 0; slot < EventFields.SLOTS; slot++) {
            NAMES[slot] = EventFields.NAMES[slot].getBytes(StandardCharsets.US_ASCII);
            longest = Math.max(longest, NAMES[slot].length);
            if (EventFields.VOCABULARY[slot] != null) {
                VOCABULARY[slot] = Arrays.stream(EventFields.VOCABULARY[slot])
                        .map(value -> value.getBytes(StandardCharsets.US_ASCII)).toArray(byte[][]::new);
            }
        }
        SLOTS_BY_LENGTH = new int[longest + 1][];
        for (int length = 0; length <= longest; length++) {
            int named = length;
            SLOTS_BY_LENGTH[length] = IntStream.range(0, EventFields.SLOTS)
                    .filter(slot -> NAMES[slot].length == named).toArray();
        }
    }

    private FlatObjectReader() {
    }

    /**
     * Returns the event {@code body} makes if it is a flat object of plain ASCII strings within {@code limits},
     * or null if Jackson must read it.
     *
     * @throws InvalidPayloadException as {@link EventFields#toEvent} does, for a body that is flat but names a
     *                                 documented field twice
     */
    static WebhookEvent read(byte[] body, ReadLimits limits, EventParser parser) {
        int end = body.length;
        if (end > limits.maxDocumentLength()) {
            return null;
        }
        int i = skipSpace(body, 0);
        if (i == end || body[i] != '{') {
            return null;
        }
        i = skipSpace(body, i + 1);
        String[] values = EventFields.newValues();
        int repeated = 0;
        if (i < end && body[i] == '}') {
            i++;
        } else {
            while (true) {
                int nameStart = i + 1;
                int nameEnd = string(body, i, limits.maxNameLength());
                if (nameEnd < 0) {
                    return null;
                }
                i = skipSpace(body, nameEnd + 1);
                if (i == end || body[i] != ':') {
                    return null;
                }
                i = skipSpace(body, i + 1);
                int valueStart = i + 1;
                int valueEnd = string(body, i, limits.maxStringLength());
                if (valueEnd < 0) {
                    return null;
                }
                int slot = slotOf(body, nameStart, nameEnd);
                if (slot >= 0) {
                    repeated = EventFields.put(values, repeated, slot, text(body, valueStart, valueEnd, slot));
                }
                i = skipSpace(body, valueEnd + 1);
                if (i == end) {
                    return null;
                }
                if (body[i] == '}') {
                    i++;
                    break;
                }
                if (body[i] != ',') {
                    return null;
                }
                i = skipSpace(body, i + 1);
            }
        }
        if (skipSpace(body, i) != end) {
            return null;
        }
        return EventFields.toEvent(values, repeated, RawPayload.of(body, parser));
    }

    // The documented field named by body[start, end), or -1.
    private static int slotOf(byte[] body, int start, int end) {
        int length = end - start;
        if (length < SLOTS_BY_LENGTH.length) {
            for (int slot : SLOTS_BY_LENGTH[length]) {
                if (equals(NAMES[slot], body, start, end)) {
                    return slot;
                }
            }
        }
        return -1;
    }

    // The string body[start, end), as the shared constant when it is one of the slot's documented values (as
    // EventFields reads a value with Jackson).
    private static String text(byte[] body, int start, int end, int slot) {
        byte[][] vocabulary = VOCABULARY[slot];
        if (vocabulary != null) {
            for (int i = 0; i < vocabulary.length; i++) {
                if (equals(vocabulary[i], body, start, end)) {
                    return EventFields.VOCABULARY[slot][i];
                }
            }
        }
        return new String(body, start, end - start, StandardCharsets.ISO_8859_1);
    }

    // Whether body[start, end) holds exactly the bytes of known; eight at a time, then one at a time.
    private static boolean equals(byte[] known, byte[] body, int start, int end) {
        int length = known.length;
        if (length != end - start) {
            return false;
        }
        int i = 0;
        for (; i + Long.BYTES <= length; i += Long.BYTES) {
            if ((long) LONGS.get(known, i) != (long) LONGS.get(body, start + i)) {
                return false;
            }
        }
        for (; i < length; i++) {
            if (known[i] != body[start + i]) {
                return false;
            }
        }
        return true;
    }

    // The first index from i that is not JSON white space (space, tab, line feed, carriage return), or the end.
    private static int skipSpace(byte[] body, int i) {
        while (i < body.length) {
            byte b = body[i];
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return i;
            }
            i++;
        }
        return i;
    }

    // The index of the closing quote of the string that opens at i, if one does and holds at most max bytes; else -1.
    private static int string(byte[] body, int i, int max) {
        if (i == body.length || body[i] != '"') {
            return -1;
        }
        int close = closingQuote(body, i + 1);
        return close < 0 || close - (i + 1) > max ? -1 : close;
    }

    // The index of the quote that ends the string starting at i, or -1 if the string holds an escape, a control
    // character or a byte outside ASCII, or does not end. Sixteen, then eight bytes at a time while none needs a look.
    private static int closingQuote(byte[] body, int i) {
        int end = body.length;
        while (i + 2 * Long.BYTES <= end
                && ((special((long) LONGS.get(body, i)) | special((long) LONGS.get(body, i + Long.BYTES))) & HIGHS)
                == 0) {
            i += 2 * Long.BYTES;
        }
        if (i + Long.BYTES <= end && (special((long) LONGS.get(body, i)) & HIGHS) == 0) {
            i += Long.BYTES;
        }
        for (; i < end; i++) {
            byte b = body[i];
            if (b == '"') {
                return i;
            }
            if (b < 0x20 || b == '\\') {
                return -1; // a negative byte is outside ASCII
            }
        }
        return -1;
    }

    /** {@return the index of the first byte of {@code body} outside ASCII, or its length} Eight bytes at a time. */
    static int asciiPrefix(byte[] body) {
        int i = 0;
        while (i + Long.BYTES <= body.length && ((long) LONGS.get(body, i) & HIGHS) == 0) {
            i += Long.BYTES;
        }
        while (i < body.length && body[i] >= 0) {
            i++;
        }
        return i;
    }

    // A word whose high bits are all clear if none of the eight bytes is a quote, a backslash, a control character or
    // outside ASCII. When every byte is ASCII, no subtraction borrows across bytes unless one of them flags a byte;
    // a byte outside ASCII is flagged by its own high bit.
    private static long special(long word) {
        return (word ^ QUOTES) - ONES | (word ^ BACKSLASHES) - ONES | word - SPACES | word;
    }
}
