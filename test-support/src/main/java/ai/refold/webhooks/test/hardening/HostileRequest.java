package ai.refold.webhooks.test.hardening;

import ai.refold.webhooks.Headers;
import ai.refold.webhooks.Outcome;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * One row of the {@link HostileRequests} catalogue: a request anyone could send to a public webhook URL, and the
 * answer the SDK defines for it. The request is built lazily, since some rows carry bodies of tens of megabytes.
 *
 * @param description     what the row shows, as a sentence; also the test's display name
 * @param maxBodyBytes    the body limit of the receiver the row runs against
 * @param readDeadline    the read deadline of the receiver the row runs against
 * @param bodyBudgetBytes the body budget of the receiver the row runs against
 * @param request         builds the request
 * @param expected        the outcome, and with it the HTTP status, the SDK must answer
 * @param notOverHttp     why the row cannot be sent over real HTTP, if it cannot; adapters leave such rows out
 */
public record HostileRequest(String description, int maxBodyBytes, Duration readDeadline, long bodyBudgetBytes,
                             Supplier<Request> request, Outcome expected, Optional<String> notOverHttp) {

    /** How long a {@link Stream#STALLS} body stops arriving: well past the short read deadline of its rows. */
    public static final Duration STALL = Duration.ofSeconds(1);

    // Answered from the headers alone (method, declared length, signature header, budget): no body byte is read.
    private static final Set<Outcome> DECIDED_FROM_HEADERS = EnumSet.of(Outcome.METHOD_NOT_ALLOWED,
            Outcome.SIGNATURE_MISSING, Outcome.SIGNATURE_MALFORMED, Outcome.SIGNATURE_AMBIGUOUS);

    /**
     * Creates a row; {@link HostileRequests} holds the catalogue's rows.
     *
     * @param description     what the row shows, as a sentence; also the test's display name
     * @param maxBodyBytes    the body limit of the receiver the row runs against
     * @param readDeadline    the read deadline of the receiver the row runs against
     * @param bodyBudgetBytes the body budget of the receiver the row runs against
     * @param request         builds the request
     * @param expected        the outcome, and with it the HTTP status, the SDK must answer
     * @param notOverHttp     why the row cannot be sent over real HTTP, if it cannot
     * @throws NullPointerException if an argument is null
     */
    public HostileRequest {
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(readDeadline, "readDeadline");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(expected, "expected");
        Objects.requireNonNull(notOverHttp, "notOverHttp");
    }

    /** {@return whether an HTTP client can send this row as it is} */
    public boolean expressibleOverHttp() {
        return notOverHttp.isEmpty();
    }

    /**
     * {@return whether the SDK must answer this row without reading any of its body: a wrong method, a missing,
     * ambiguous or malformed signature header, a declared length over the limit, or a declared length the body
     * budget cannot hold} Over HTTP such a row is sent with {@code Expect: 100-continue} and must be answered
     * without a {@code 100 Continue}, so the client never uploads it.
     */
    public boolean refusedBeforeBody() {
        Request sent = request.get();
        return DECIDED_FROM_HEADERS.contains(expected) || sent.contentLength() >= 0
                && (expected == Outcome.PAYLOAD_TOO_LARGE || expected == Outcome.BUSY);
    }

    /**
     * {@return whether only a receiver reading a stream can give this row's answer: the read deadline and the body
     * budget are about reading, so a {@code DeliveryRequest} whose body is already in memory never meets them}
     */
    public boolean streamOnly() {
        return expected == Outcome.READ_TIMEOUT || expected == Outcome.BUSY;
    }

    @Override
    public String toString() {
        return description;
    }

    /** How the body stream behaves. */
    public enum Stream {
        /** Hands out the body as fast as it is asked. */
        WHOLE,
        /** Hands out one byte per read call, like a slow client. */
        ONE_BYTE_AT_A_TIME,
        /** Hands out the body, then fails with an {@link IOException} as a dropped connection does. */
        FAILS_AFTER_BODY,
        /** Hands out the first half of the body, then stops for {@link #STALL} before the rest, like a slow sender. */
        STALLS
    }

    /**
     * A request as a transport carries it.
     *
     * @param method        the HTTP method
     * @param headers       the headers in the order sent; a name may repeat
     * @param body          the bytes the client sends
     * @param contentLength the declared length, which may lie; -1 for none (chunked)
     * @param stream        how the body arrives
     */
    public record Request(String method, List<Header> headers, byte[] body, long contentLength, Stream stream) {

        /** {@return the headers as the core model holds them} */
        public Headers coreHeaders() {
            Headers.Builder builder = Headers.builder();
            headers.forEach(header -> builder.add(header.name(), header.value()));
            return builder.build();
        }

        /** {@return whether the declared length is the body's true length and the stream is ordinary} */
        public boolean isPlain() {
            return contentLength == body.length && stream == Stream.WHOLE;
        }

        /** {@return a fresh stream over the body that behaves as {@link #stream()} says and counts what is read} */
        public CountingStream openStream() {
            InputStream in = new ByteArrayInputStream(body);
            switch (stream) {
                case ONE_BYTE_AT_A_TIME:
                    return new CountingStream(in, 1, false);
                case FAILS_AFTER_BODY:
                    return new CountingStream(in, Integer.MAX_VALUE, true);
                case STALLS:
                    return new CountingStream(in, body.length / 2, false, body.length / 2);
                default:
                    return new CountingStream(in, Integer.MAX_VALUE, false);
            }
        }
    }

    /**
     * A header line.
     *
     * @param name  the name, in the case sent
     * @param value the value
     */
    public record Header(String name, String value) {
        /**
         * Creates a header line.
         *
         * @param name  the name, in the case sent
         * @param value the value
         * @throws NullPointerException if an argument is null
         */
        public Header {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String toString() {
            return name + ": " + (value.length() > 80 ? value.substring(0, 80) + "..." : value);
        }
    }

    /** A body stream that records how many bytes were taken from it. */
    public static final class CountingStream extends InputStream {
        private final InputStream in;
        private final int maxPerRead;
        private final boolean failAtEnd;
        private long stallAt;
        private long read;

        CountingStream(InputStream in, int maxPerRead, boolean failAtEnd) {
            this(in, maxPerRead, failAtEnd, -1);
        }

        CountingStream(InputStream in, int maxPerRead, boolean failAtEnd, long stallAt) {
            this.in = in;
            this.maxPerRead = Math.max(1, maxPerRead);
            this.failAtEnd = failAtEnd;
            this.stallAt = stallAt;
        }

        /** {@return how many bytes were read} */
        public long bytesRead() {
            return read;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b < 0) {
                return end();
            }
            read++;
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (length == 0) {
                return 0;
            }
            if (read == stallAt) {
                stallAt = -1;
                stall();
            }
            int n = in.read(buffer, offset, Math.min(length, maxPerRead));
            if (n < 0) {
                return end();
            }
            read += n;
            return n;
        }

        // A sender that stops sending: the read blocks, as a socket read would.
        private static void stall() throws InterruptedIOException {
            try {
                Thread.sleep(STALL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while the sender stalled");
            }
        }

        private int end() throws IOException {
            if (failAtEnd) {
                throw new IOException("connection reset by peer");
            }
            return -1;
        }
    }
}
