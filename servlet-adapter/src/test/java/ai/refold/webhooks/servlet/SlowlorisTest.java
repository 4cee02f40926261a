package ai.refold.webhooks.servlet;

import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.signature.WebhookSigner;
import ai.refold.webhooks.test.SamplePayloads;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 16, case 4 (slowloris): 400 connections send a well-formed but forged signature, or none, and then a body
 * one byte every few seconds. Each container's pool has 200 threads, so a filter that waited for those bodies on
 * container threads would starve, and a real delivery would wait. The filter reads them without holding a thread
 * and the read deadline ends them: a valid delivery sent meanwhile is answered 200 before any slow sender's read
 * deadline could have freed a thread, and every slow sender gets 401 or 408 and has nothing processed.
 */
class SlowlorisTest {

    private static final String API_KEY = "slowloris-test-api-key-0123456789";
    private static final int SENDERS = 400;
    // The bound on the valid delivery. A filter that waited for the slow bodies on container threads would hold every
    // one of the pool's threads until a slow sender's read deadline ends it: no thread frees, and so no valid
    // delivery is answered, before the first sender connected plus this deadline. Answered before that moment, it
    // was not starved; the bound is that exact, so it needs no margin of its own. The deadline is long (each run
    // waits it out for the slow senders' 408s) so that opening the 400 connections and answering the valid delivery,
    // a second or so on an idle machine, have ten times that to spare on a starved one.
    private static final Duration READ_DEADLINE = Duration.ofSeconds(15);
    // When every sender sends one more byte: well before any of their deadlines, which start when they connect.
    private static final Duration TRICKLE = READ_DEADLINE.dividedBy(2);
    // How long the valid delivery may take before the client gives up: only so that a broken filter cannot hang the
    // build; whether it was starved is judged against READ_DEADLINE above, not by this.
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final int DECLARED_LENGTH = 1000;

    static Stream<Arguments> containers() {
        return Stream.of(Arguments.of("Jetty 12", (ServletContainer.Starter) JettyContainer::start),
                Arguments.of("Tomcat 11", (ServletContainer.Starter) TomcatContainer::start));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void case4_slowSendersHoldNoThreadAndAValidDeliveryIsAnsweredMeanwhile(String name,
                                                                           ServletContainer.Starter starter)
            throws Exception {
        AtomicInteger handled = new AtomicInteger();
        WebhookReceiver receiver = WebhookReceiver.builder().signingKey("live", API_KEY).readDeadline(READ_DEADLINE)
                .onAny((event, context) -> handled.incrementAndGet()).build();
        List<Socket> senders = new ArrayList<>();
        ExecutorService openers = Executors.newFixedThreadPool(4);
        try (ServletContainer container = starter.start(RefoldWebhookFilter.builder(receiver).build(), Map.of(),
                new NotFoundServlet())) {
            URI endpoint = container.uri(RefoldWebhookFilter.DEFAULT_PATH);
            // No sender's read deadline starts before its connection, so none ends before this plus READ_DEADLINE.
            long firstConnected = System.nanoTime();
            List<Future<Socket>> opening = new ArrayList<>();
            for (int i = 0; i < SENDERS; i++) {
                int sender = i;
                opening.add(openers.submit(() -> startSlowSender(endpoint, sender)));
            }
            for (Future<Socket> socket : opening) {
                senders.add(socket.get());
            }
            long opened = System.nanoTime();

            HttpResponse<String> valid = deliverValid(endpoint);
            long answered = System.nanoTime();

            assertThat(valid.statusCode()).as("the valid delivery, answered %s", valid.body()).isEqualTo(200);
            assertThat(valid.body()).contains("\"processed\"");
            assertThat(Duration.ofNanos(answered - firstConnected))
                    .as("the valid delivery answered before a slow sender's deadline could free a thread (the 400"
                            + " connections took %d ms to open, the delivery %d ms)",
                            TimeUnit.NANOSECONDS.toMillis(opened - firstConnected),
                            TimeUnit.NANOSECONDS.toMillis(answered - opened))
                    .isLessThan(READ_DEADLINE);
            // One more byte from every sender before its deadline: trickling does not extend it.
            sleepUntil(firstConnected + TRICKLE.toNanos());
            for (Socket socket : senders) {
                trickle(socket);
            }
            List<Integer> answers = new ArrayList<>();
            for (Socket socket : senders) {
                answers.add(statusOf(socket));
            }
            assertThat(answers).hasSize(SENDERS).allSatisfy(status -> assertThat(status).isIn(401, 408));
            assertThat(answers).contains(401, 408);
            assertThat(handled).as("deliveries processed").hasValue(1);
        } finally {
            openers.shutdownNow();
            for (Socket socket : senders) {
                socket.close();
            }
        }
    }

    // Headers with a forged but well-formed signature (every tenth sender sends none), and the first body byte.
    private static Socket startSlowSender(URI endpoint, int sender) throws IOException {
        Socket socket = new Socket(endpoint.getHost(), endpoint.getPort());
        socket.setSoTimeout(30_000);
        byte[] forged = new byte[32];
        new Random(sender).nextBytes(forged);
        String signature = sender % 10 == 0 ? "" : "x-cobalt-signature: " + HexFormat.of().formatHex(forged) + "\r\n";
        String head = "POST " + endpoint.getRawPath() + " HTTP/1.1\r\nHost: " + endpoint.getHost() + ":"
                + endpoint.getPort() + "\r\nContent-Type: application/json\r\nContent-Length: " + DECLARED_LENGTH
                + "\r\n" + signature + "\r\n{";
        OutputStream out = socket.getOutputStream();
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return socket;
    }

    private static HttpResponse<String> deliverValid(URI endpoint) throws IOException, InterruptedException {
        byte[] body = SamplePayloads.of(EventType.WORKFLOW_ERRORED);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(PATIENCE).build();
        return client.send(HttpRequest.newBuilder(endpoint).timeout(PATIENCE)
                .header("x-cobalt-signature", WebhookSigner.of(API_KEY).sign(body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void trickle(Socket socket) {
        try {
            socket.getOutputStream().write(' ');
            socket.getOutputStream().flush();
        } catch (IOException e) {
            // Already answered and closed (a sender without a signature): nothing left to trickle.
        }
    }

    // The status of the first response on the connection; a sender refused at once may see its answer, then a reset.
    private static int statusOf(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) {
                throw new IOException("connection closed before a response");
            }
            line.write(b);
        }
        String status = line.toString(StandardCharsets.US_ASCII);
        return Integer.parseInt(status.split(" ")[1]);
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left = nanoTime - System.nanoTime();
        if (left > 0) {
            Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
        }
    }

    private static final class NotFoundServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.sendError(404);
        }
    }
}
