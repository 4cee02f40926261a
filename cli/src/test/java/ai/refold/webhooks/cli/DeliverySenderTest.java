package ai.refold.webhooks.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The sender's answer timeout bounds the whole answer, not only its headers. */
class DeliverySenderTest {

    @Test
    void aReceiverThatStallsMidAnswerTimesOutInsteadOfHangingTheTool() throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread receiver = new Thread(() -> {
                try (Socket socket = server.accept()) {
                    InputStream in = socket.getInputStream();
                    in.read(new byte[8192]); // the request, enough of it
                    OutputStream out = socket.getOutputStream();
                    out.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"status\":"
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    done.await(30, TimeUnit.SECONDS); // and the rest never comes
                } catch (IOException | InterruptedException e) {
                    // the test ended
                }
            });
            receiver.setDaemon(true);
            receiver.start();
            URI url = URI.create("http://127.0.0.1:" + server.getLocalPort() + "/webhooks/refold");

            // The headers must come within the timeout: past it, the request's own timeout (which ends when they
            // arrive) would fire instead, with another message. Three seconds leave a loaded machine room for them.
            long start = System.nanoTime();
            assertThatThrownBy(() -> new DeliverySender(Duration.ofSeconds(3)).send(url, "POST", new byte[] {'{', '}'},
                    "x-cobalt-signature", null))
                    .isInstanceOf(HttpTimeoutException.class)
                    .hasMessageContaining("did not arrive within PT3S");
            // Well short of the 30 s the receiver holds the connection: the tool gave up, the receiver did not.
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(20_000);
        } finally {
            done.countDown();
        }
    }
}
