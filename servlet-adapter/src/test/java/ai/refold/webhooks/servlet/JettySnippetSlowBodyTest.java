package ai.refold.webhooks.servlet;

import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.WebhookEvent;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static ai.refold.webhooks.servlet.Deliveries.API_KEY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's Jetty quick start sets Jetty's minimum request data rate: once a body has started, a client sending
 * less than 1 KiB a second is cut off. Jetty fails the filter's asynchronous read (a {@code BadMessageException}
 * with status 408, which is not a timeout), and the filter answers 400 {@code body_unreadable} and closes the
 * connection. The receiver's own read deadline is a minute here, so that only Jetty can end the delivery in time,
 * and the body trickles at a few bytes a second, far below the rate.
 */
@Timeout(120)
class JettySnippetSlowBodyTest {

    @Test
    void aBodyTricklingBelowTheMinimumDataRateIsCutOffByJettyAndAnswered400BeforeTheReadDeadline() throws Exception {
        List<WebhookEvent> handled = new CopyOnWriteArrayList<>();
        WebhookReceiver receiver = WebhookReceiver.builder().signingKey("test", API_KEY)
                .readDeadline(Duration.ofMinutes(1)).onAny((event, context) -> handled.add(event)).build();
        Server server = ReadmeSnippets.jetty(receiver, new FilterContractTest.AppServlet(),
                new InetSocketAddress("127.0.0.1", 0));
        int port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(90_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /webhooks/refold HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "x-cobalt-signature: " + "ab".repeat(32) + "\r\nContent-Length: 2000\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread trickle = new Thread(() -> {
                try {
                    for (int i = 0; i < 2000; i++) {
                        out.write('{');
                        out.flush();
                        Thread.sleep(200);
                    }
                } catch (Exception e) {
                    // the server answered and closed the connection
                }
            }, "trickle");
            trickle.setDaemon(true);
            long start = System.nanoTime();
            trickle.start();

            BufferedReader answer = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.ISO_8859_1));
            String statusLine = answer.readLine();
            StringBuilder rest = new StringBuilder();
            for (String line; (line = answer.readLine()) != null; ) {
                rest.append(line).append('\n');
            }
            long waitedSeconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();

            assertThat(statusLine).as("answered after %d s", waitedSeconds).startsWith("HTTP/1.1 400");
            assertThat(rest.toString()).contains("Connection: close", "{\"status\":\"body_unreadable\"");
            assertThat(waitedSeconds).as("before the receiver's read deadline").isLessThan(60);
            assertThat(handled).isEmpty();
        } finally {
            server.stop();
        }
    }
}
