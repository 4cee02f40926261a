package ai.refold.webhooks.servlet;

import ai.refold.webhooks.WebhookReceiver;

import org.apache.catalina.startup.Tomcat;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static ai.refold.webhooks.servlet.Deliveries.API_KEY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A body whose chunked encoding is malformed fails the read inside the container. Tomcat then answers 400 itself and
 * leaves the exception for its error report, which prints the stack trace; the filter drops it, so the sender sees a
 * status and never a trace, over either quick start's server.
 */
@Timeout(60)
class ContainerErrorReportTest {

    private static final byte[] MALFORMED_CHUNKS = ("POST /webhooks/refold HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + "Content-Type: application/json\r\nx-cobalt-signature: " + "ab".repeat(32) + "\r\n"
            + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            + "zz-not-a-size\r\n{}\r\n0\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path baseDir;

    @Test
    void tomcatAnswersAMalformedChunkWithAStatusAndNoStackTrace() throws Exception {
        Tomcat tomcat = ReadmeSnippets.tomcat(receiver(), new FilterContractTest.AppServlet(), "127.0.0.1", 0,
                baseDir.toString());
        try {
            assertAnsweredWithoutTrace(send(tomcat.getConnector().getLocalPort()));
        } finally {
            tomcat.stop();
            tomcat.destroy();
        }
    }

    @Test
    void jettyAnswersAMalformedChunkWithAStatusAndNoStackTrace() throws Exception {
        Server jetty = ReadmeSnippets.jetty(receiver(), new FilterContractTest.AppServlet(),
                new InetSocketAddress("127.0.0.1", 0));
        try {
            assertAnsweredWithoutTrace(send(((ServerConnector) jetty.getConnectors()[0]).getLocalPort()));
        } finally {
            jetty.stop();
        }
    }

    private static void assertAnsweredWithoutTrace(String answer) {
        assertThat(answer).startsWith("HTTP/1.1 400");
        assertThat(answer).doesNotContain("Exception", "\tat ", "org.apache", "org.eclipse", "ai.refold");
    }

    private static String send(int port) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(MALFORMED_CHUNKS);
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private static WebhookReceiver receiver() {
        return WebhookReceiver.builder().signingKey("test", API_KEY).onAny((event, context) -> { }).build();
    }
}
