package ai.refold.webhooks.servlet;

import ai.refold.webhooks.WebhookReceiver;

import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.threads.ThreadPoolExecutor;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static ai.refold.webhooks.servlet.Deliveries.API_KEY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The quick starts' container settings for a connection that stalls: the README's Jetty snippet closes a connection
 * that sends nothing for 10 s "whether or not a request has started" (its idle timeout), and the Tomcat snippet gives
 * up on a request line or headers that stall for 10 s (its {@code connectionTimeout}). Each server gets two
 * connections at once, one that sends nothing and one that stops in the middle of its headers, and each must be
 * closed by the server (an error answer before the close is allowed) no sooner than 10 s and within 20 s (the
 * containers' defaults are 30 s and 60 s). What the timeouts leave to the container is shown too: Tomcat answers a
 * blocking body read its timeout ended with its own 408 page; neither container bounds headers that keep trickling in,
 * each pause shorter than the timeout; and after a 401 from the headers Tomcat drains a trickled body on a thread
 * while Jetty closes the connection (docs/servlet-containers.md).
 */
@Timeout(90)
class SnippetIdleConnectionTest {

    private static final byte[] HALF_A_REQUEST = ("POST /webhooks/refold HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + "Content-Type: application/json\r\n").getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path baseDir;

    @Test
    void jettySnippetClosesASilentConnectionAndOneStalledInItsHeadersAfterTenSeconds() throws Exception {
        Server server = ReadmeSnippets.jetty(receiver(), new FilterContractTest.AppServlet(),
                new InetSocketAddress("127.0.0.1", 0));
        try {
            assertBothClosedAfterTenSeconds(((ServerConnector) server.getConnectors()[0]).getLocalPort());
        } finally {
            server.stop();
        }
    }

    @Test
    void tomcatSnippetClosesASilentConnectionAndOneStalledInItsHeadersAfterTenSeconds() throws Exception {
        Tomcat tomcat = ReadmeSnippets.tomcat(receiver(), new FilterContractTest.AppServlet(), "127.0.0.1", 0,
                baseDir.toString());
        try {
            assertBothClosedAfterTenSeconds(tomcat.getConnector().getLocalPort());
        } finally {
            tomcat.stop();
            tomcat.destroy();
        }
    }

    // The Tomcat snippet's connectionTimeout also ends a blocking read that stalls: the first read of a request sent
    // with Expect: 100-continue blocks (Tomcat sends 100 Continue only to a blocking read), and with the receiver's own
    // read deadline a minute away, only Tomcat's timeout can end it. Tomcat then answers 408 itself (its InputBuffer
    // calls sendError on a read that timed out), with its own HTML error report, before the filter can answer: the
    // status is core's, the body is not. The filter drops the exception Tomcat left for that report, whose stack
    // trace would otherwise go to the sender.
    @Test
    void tomcatSnippetEndsABlockingBodyReadThatStallsWithItsOwn408AfterTenSeconds() throws Exception {
        Tomcat tomcat = ReadmeSnippets.tomcat(receiver(), new FilterContractTest.AppServlet(), "127.0.0.1", 0,
                baseDir.toString());
        // Taken before the request is sent, so before Tomcat's timeout can start, however late this thread runs on:
        // the wait measured is never shorter than the server's.
        long start = System.nanoTime();
        try {
            String answers = stalledBody(tomcat.getConnector().getLocalPort());
            Duration waited = Duration.ofNanos(System.nanoTime() - start);

            assertThat(answers).startsWith("HTTP/1.1 100").contains("HTTP/1.1 408", "Connection: close",
                    "text/html").doesNotContain("read_timeout");
            // Never a stack trace to the sender: Tomcat's report names the status alone.
            assertThat(answers).doesNotContain("Exception", "org.apache", "ai.refold");
            assertThat(waited).isBetween(Duration.ofMillis(9_500), Duration.ofSeconds(20));
        } finally {
            tomcat.stop();
            tomcat.destroy();
        }
    }

    // The same stalled read with the receiver's read deadline (here 1 s) ending the delivery first, as with the
    // README's settings (a 10 s deadline counted from the headers, a 10 s connectionTimeout from the read): the
    // deadline's timer answers 408 while the blocked read holds the request, and the answer goes out once Tomcat's
    // timeout ended the read, with no stack trace (Spring Boot's error page: StalledBodyOverSpringBootTest).
    @Test
    void tomcatSnippetEndsABlockingBodyReadThatOutlastedTheReadDeadlineWithoutAStackTrace() throws Exception {
        WebhookReceiver receiver = WebhookReceiver.builder().signingKey("test", API_KEY)
                .readDeadline(Duration.ofSeconds(1)).onAny((event, context) -> { }).build();
        Tomcat tomcat = ReadmeSnippets.tomcat(receiver, new FilterContractTest.AppServlet(), "127.0.0.1", 0,
                baseDir.toString());
        try {
            String answers = stalledBody(tomcat.getConnector().getLocalPort());

            // The deadline's answer, core's, once Tomcat's timeout let the request end.
            assertThat(answers).startsWith("HTTP/1.1 100").contains("HTTP/1.1 408", "Connection: close",
                    "{\"status\":\"read_timeout\"");
            assertThat(answers).as(answers).doesNotContain("Exception", "org.apache", "ai.refold", "at java.");
        } finally {
            tomcat.stop();
            tomcat.destroy();
        }
    }

    // What the timeouts do not bound: headers that trickle in, each pause shorter than 10 s, outlast it. Only the
    // containers' header size limit (8 KiB by default) ends such a sender.
    @Test
    void headersTricklingInPausesShorterThanTheTimeoutOutlastItInBothSnippets() throws Exception {
        Server jetty = ReadmeSnippets.jetty(receiver(), new FilterContractTest.AppServlet(),
                new InetSocketAddress("127.0.0.1", 0));
        Tomcat tomcat = ReadmeSnippets.tomcat(receiver(), new FilterContractTest.AppServlet(), "127.0.0.1", 0,
                baseDir.toString());
        try {
            CompletableFuture<String> overJetty = CompletableFuture.supplyAsync(() -> trickledHeadersAnswer(
                    ((ServerConnector) jetty.getConnectors()[0]).getLocalPort()));
            CompletableFuture<String> overTomcat = CompletableFuture.supplyAsync(() -> trickledHeadersAnswer(
                    tomcat.getConnector().getLocalPort()));

            // No signature header: answered 401 once the headers are in, 16 s after they started.
            assertThat(overJetty.get()).as("Jetty").startsWith("HTTP/1.1 401");
            assertThat(overTomcat.get()).as("Tomcat").startsWith("HTTP/1.1 401");
        } finally {
            jetty.stop();
            tomcat.stop();
            tomcat.destroy();
        }
    }

    // docs/servlet-containers.md, "a Tomcat limit no filter can lift": after a 401 from the headers, Tomcat drains the
    // unread body on a container thread for as long as the sender keeps trickling it; Jetty closes the connection.
    @Test
    void afterA401FromTheHeadersTomcatDrainsATrickledBodyOnAThreadWhileJettyClosesTheConnection() throws Exception {
        Tomcat tomcat = ReadmeSnippets.tomcat(receiver(), new FilterContractTest.AppServlet(), "127.0.0.1", 0,
                baseDir.toString());
        Server jetty = ReadmeSnippets.jetty(receiver(), new FilterContractTest.AppServlet(),
                new InetSocketAddress("127.0.0.1", 0));
        try (Socket overTomcat = unsignedWithALargeBody(tomcat.getConnector().getLocalPort());
             Socket overJetty = unsignedWithALargeBody(((ServerConnector) jetty.getConnectors()[0]).getLocalPort())) {
            assertThat(statusLine(overTomcat)).startsWith("HTTP/1.1 401");
            assertThat(statusLine(overJetty)).startsWith("HTTP/1.1 401");

            ThreadPoolExecutor tomcatThreads =
                    (ThreadPoolExecutor) tomcat.getConnector().getProtocolHandler().getExecutor();
            for (int second = 0; second < 16; second += 4) {
                overTomcat.getOutputStream().write('{');
                overTomcat.getOutputStream().flush();
                Thread.sleep(4_000);
                assertThat(tomcatThreads.getActiveCount()).as("Tomcat threads draining, after %d s", second + 4)
                        .isEqualTo(1);
            }
            // Jetty closed the connection after its answer: the rest of it is read to its end at once (a connection
            // still open would time out here and fail the test).
            overJetty.setSoTimeout(5_000);
            assertThat(new String(overJetty.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1))
                    .contains("Connection: close");
        } finally {
            jetty.stop();
            tomcat.stop();
            tomcat.destroy();
        }
    }

    private static Socket unsignedWithALargeBody(int port) throws Exception {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(30_000);
        socket.getOutputStream().write(("POST /webhooks/refold HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
                .getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return socket;
    }

    private static String statusLine(Socket socket) throws Exception {
        byte[] line = new byte[12];
        int read = socket.getInputStream().readNBytes(line, 0, line.length);
        return new String(line, 0, read, StandardCharsets.ISO_8859_1);
    }

    private static String trickledHeadersAnswer(int port) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(HALF_A_REQUEST);
            out.flush();
            for (String part : new String[] {"Content-", "Length: ", "2\r\n", "\r\n{}"}) {
                Thread.sleep(4_000);
                out.write(part.getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            byte[] line = new byte[12];
            int read = socket.getInputStream().readNBytes(line, 0, line.length);
            return new String(line, 0, read, StandardCharsets.ISO_8859_1);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    // The read deadline is a minute away, so that only the containers' settings can end a stalled connection in time.
    private static WebhookReceiver receiver() {
        return WebhookReceiver.builder().signingKey("test", API_KEY).readDeadline(Duration.ofMinutes(1))
                .onAny((event, context) -> { }).build();
    }

    private static void assertBothClosedAfterTenSeconds(int port) throws Exception {
        CompletableFuture<Duration> silent = CompletableFuture.supplyAsync(() -> closedAfter(port, new byte[0]));
        CompletableFuture<Duration> stalled = CompletableFuture.supplyAsync(() -> closedAfter(port, HALF_A_REQUEST));

        assertThat(silent.get()).as("a connection that sends nothing").isBetween(Duration.ofMillis(9_500),
                Duration.ofSeconds(20));
        assertThat(stalled.get()).as("a connection stalled in its headers").isBetween(Duration.ofMillis(9_500),
                Duration.ofSeconds(20));
    }

    // Sends the bytes, then nothing, and reads until the server closes the connection: how long that took, from
    // before the connection, so that the wait measured is never shorter than the server's (whose idle timer may
    // start at the accept, before this thread gets to run again on a loaded machine).
    private static Duration closedAfter(int port, byte[] bytes) {
        long start = System.nanoTime();
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            out.write(bytes);
            out.flush();
            InputStream in = socket.getInputStream();
            try {
                while (in.read() >= 0) {
                    // an error answer may come before the close
                }
            } catch (SocketException reset) {
                // closed by a reset: closed all the same
            }
            return Duration.ofNanos(System.nanoTime() - start);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    // Sends a delivery's headers with Expect: 100-continue and never its body; returns all the server answered until
    // it closed the connection (within a minute).
    private static String stalledBody(int port) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(60_000);
            socket.getOutputStream().write(("POST /webhooks/refold HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Type: application/json\r\nx-cobalt-signature: " + "ab".repeat(32) + "\r\n"
                    + "Expect: 100-continue\r\nContent-Length: 100\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
