package ai.refold.webhooks.test.hardening;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * HTTP/1.1 at the socket, for what {@link java.net.http.HttpClient} cannot show. Java 17's client reads no response
 * before it has sent the whole request body, so an answer given before the body ends is only visible to a client
 * that stops sending and reads; and its {@code Expect: 100-continue} support waits for ever when the server answers
 * with a final status instead of {@code 100 Continue}.
 */
public final class RawHttp {

    /**
     * The status line, headers (lower-case names, first value) and body of a response, and whether a
     * {@code 100 Continue} came before it (inviting the client to upload its body).
     *
     * @param statusLine the status line, for example {@code "HTTP/1.1 413 Payload Too Large"}
     * @param headers    the headers, by lower-case name, with the first value of each
     * @param body       the body, decoded as UTF-8
     * @param continued  whether a {@code 100 Continue} preceded the response
     */
    public record Response(String statusLine, Map<String, String> headers, String body, boolean continued) {

        /**
         * A response that no {@code 100 Continue} preceded.
         *
         * @param statusLine the status line, for example {@code "HTTP/1.1 413 Payload Too Large"}
         * @param headers    the headers, by lower-case name, with the first value of each
         * @param body       the body, decoded as UTF-8
         */
        public Response(String statusLine, Map<String, String> headers, String body) {
            this(statusLine, headers, body, false);
        }

        /** {@return the status code} */
        public int status() {
            return Integer.parseInt(statusLine.split(" ")[1]);
        }
    }

    private RawHttp() {
    }

    /**
     * Sends {@code head} (request line and headers, without the blank line) and then {@code bodyStart}, stops
     * sending with the request still unfinished, and reads the first response. Only the bytes sent can have been
     * read by the server.
     *
     * @param server    the server's address; only its host and port are used
     * @param head      the request line and headers, lines separated by CRLF
     * @param bodyStart the part of the body to send
     * @return the first response the server sends
     * @throws IOException if the connection fails, or no response arrives within 30 seconds
     */
    public static Response sendUnfinished(URI server, String head, byte[] bodyStart) throws IOException {
        try (Socket socket = open(server)) {
            OutputStream out = socket.getOutputStream();
            out.write((head + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(bodyStart);
            out.flush();
            return read(socket.getInputStream());
        }
    }

    /**
     * Sends {@code head} (request line and headers, without {@code Expect} and the blank line) with
     * {@code Expect: 100-continue}, and sends {@code body} only if the server answers {@code 100 Continue}, as HTTP
     * asks of a client with a large body.
     *
     * @param server the server's address; only its host and port are used
     * @param head   the request line and headers, lines separated by CRLF
     * @param body   the body, sent only after a {@code 100 Continue}
     * @return the final response, marked {@linkplain Response#continued() continued} if a {@code 100 Continue} came
     *         first
     * @throws IOException if the connection fails, or a response takes longer than 30 seconds
     */
    public static Response sendExpectingContinue(URI server, String head, byte[] body) throws IOException {
        try (Socket socket = open(server)) {
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write((head + "\r\nExpect: 100-continue\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Response response = read(in);
            if (response.status() != 100) {
                return response;
            }
            out.write(body);
            out.flush();
            Response last = read(in);
            return new Response(last.statusLine(), last.headers(), last.body(), true);
        }
    }

    private static Socket open(URI server) throws IOException {
        Socket socket = new Socket(server.getHost(), server.getPort());
        // A guard against a hang, not an assertion: a server waiting for more of the body fails the test.
        socket.setSoTimeout(30_000);
        return socket;
    }

    private static Response read(InputStream in) throws IOException {
        String statusLine = line(in);
        Map<String, String> headers = new TreeMap<>();
        for (String line; !(line = line(in)).isEmpty(); ) {
            int colon = line.indexOf(':');
            headers.putIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                    line.substring(colon + 1).trim());
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
        return new Response(statusLine, headers, body);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) {
                throw new IOException("connection closed in the middle of a response");
            }
            line.write(b);
        }
        return line.toString(StandardCharsets.US_ASCII).stripTrailing();
    }
}
