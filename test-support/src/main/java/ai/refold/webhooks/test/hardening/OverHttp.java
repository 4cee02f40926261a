package ai.refold.webhooks.test.hardening;

import ai.refold.webhooks.Outcome;
import ai.refold.webhooks.WebhookReceiver;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** Sends a catalogue row to an adapter over real HTTP and checks the answer, for every adapter alike. */
public final class OverHttp {

    private OverHttp() {
    }

    /**
     * Sends {@code row} to {@code endpoint} over a fresh connection, so that a connection the server closed after an
     * earlier hostile row is never reused.
     *
     * <p>A row the server must refuse before reading its body (see {@link HostileRequest#refusedBeforeBody()}) is
     * sent with {@code Expect: 100-continue}, as HTTP asks of a client with a large body, and its answer must come
     * without a {@code 100 Continue}. Without it the client is still uploading when the server closes the connection
     * after a 413, and the reset that follows can drop the 413 before the client reads it: Jetty closes at once,
     * Tomcat first swallows up to 2 MiB of the body. A {@link HostileRequest.Stream#STALLS} row sends half its body
     * and waits for the answer the read deadline brings.
     *
     * @param endpoint the adapter's webhook URL
     * @param row      the catalogue row to send
     * @return the server's answer
     * @throws IOException          if the connection fails before an answer is read
     * @throws InterruptedException if the thread is interrupted while waiting for the answer
     */
    public static RawHttp.Response send(URI endpoint, HostileRequest row) throws IOException, InterruptedException {
        HostileRequest.Request request = row.request().get();
        if (request.stream() == HostileRequest.Stream.STALLS) {
            // Half the body, then silence: the server must answer at its read deadline without the rest.
            byte[] half = Arrays.copyOf(request.body(), request.body().length / 2);
            if (request.contentLength() >= 0) {
                return RawHttp.sendUnfinished(endpoint, head(endpoint, request, "Content-Length: "
                        + request.body().length), half);
            }
            byte[] chunk = concat((Integer.toHexString(half.length) + "\r\n").getBytes(StandardCharsets.US_ASCII),
                    half, "\r\n".getBytes(StandardCharsets.US_ASCII));
            return RawHttp.sendUnfinished(endpoint, head(endpoint, request, "Transfer-Encoding: chunked"), chunk);
        }
        if (row.refusedBeforeBody() && request.body().length > 0) {
            return RawHttp.sendExpectingContinue(endpoint, head(endpoint, request, "Content-Length: "
                    + request.body().length), request.body());
        }
        HttpRequest.BodyPublisher body = request.contentLength() < 0
                ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(request.body()))
                : HttpRequest.BodyPublishers.ofByteArray(request.body());
        HttpRequest.Builder builder = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(60))
                .method(request.method(), body);
        for (HostileRequest.Header header : request.headers()) {
            builder.header(header.name(), header.value());
        }
        HttpClient fresh = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> response = fresh.send(builder.build(), HttpResponse.BodyHandlers.ofString());
        Map<String, String> headers = new TreeMap<>();
        response.headers().map().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), values.get(0)));
        return new RawHttp.Response("HTTP/1.1 " + response.statusCode(), headers, response.body());
    }

    // The request line and headers, without the blank line, of a request sent at the socket.
    private static String head(URI endpoint, HostileRequest.Request request, String framing) {
        StringBuilder head = new StringBuilder().append(request.method()).append(' ').append(endpoint.getRawPath())
                .append(" HTTP/1.1\r\nHost: ").append(endpoint.getHost()).append(':').append(endpoint.getPort())
                .append("\r\nConnection: close\r\n").append(framing);
        request.headers().forEach(header -> head.append("\r\n").append(header.name()).append(": ")
                .append(header.value()));
        return head.toString();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /**
     * Asserts that {@code response} is the answer core gives {@code row}, and that the handler ran as expected.
     *
     * @param row      the catalogue row that was sent
     * @param response the server's answer
     * @param fixture  the receiver fixture whose handler the row reached, if it reached one
     */
    public static void assertAnswer(HostileRequest row, RawHttp.Response response, CatalogueReceiver fixture) {
        Outcome expected = row.expected();
        assertThat(response.status()).as("status, answering %s", response.body()).isEqualTo(expected.httpStatus());
        assertThat(response.body()).startsWith("{\"status\":\"" + expected.code() + "\",\"reason\":\"")
                .doesNotContain("Exception", "\tat ", HostileRequests.BODY_MARKER);
        if (row.refusedBeforeBody()) {
            assertThat(response.continued()).as("a 100 Continue invited the upload of a body refused unread")
                    .isFalse();
        }
        assertThat(response.headers().get("content-type")).as("Content-Type").startsWith("application/json");
        if (expected == Outcome.METHOD_NOT_ALLOWED) {
            assertThat(response.headers().get("allow")).isEqualTo(String.join(", ", WebhookReceiver.METHODS));
        }
        int handlerRuns = expected == Outcome.PROCESSED || expected == Outcome.HANDLER_FAILED ? 1 : 0;
        assertThat(fixture.handled()).as("handler runs").hasSize(handlerRuns);
    }
}
