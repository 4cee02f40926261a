package ai.refold.webhooks.servlet;

import static ai.refold.webhooks.servlet.Deliveries.API_KEY;
import static ai.refold.webhooks.servlet.Deliveries.SIGNATURE_HEADER;
import static ai.refold.webhooks.servlet.Deliveries.SIGNED;
import static ai.refold.webhooks.servlet.Deliveries.workflowCompleted;
import static org.assertj.core.api.Assertions.assertThat;

import ai.refold.webhooks.WebhookReceiver;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A body that arrived whole with its headers is read and answered on the container's thread, without going
 * asynchronous (no read listener, no deadline timer, no second thread); a body still on its way is read
 * asynchronously, as before, so a slow sender never holds a thread. An outer filter records whether each request
 * went asynchronous.
 */
class ArrivedBodyOverJettyTest {

    private final List<Boolean> wentAsync = new CopyOnWriteArrayList<>();
    private final List<String> handled = new CopyOnWriteArrayList<>();
    private ServletContainer container;

    @AfterEach
    void stop() throws Exception {
        if (container != null) {
            container.close();
        }
    }

    // A body sent in the packet of its headers is answered without going asynchronous; one whose last bytes come
    // only once the filter has gone asynchronous is read so, and answered the same. The read deadline is generous:
    // the answer must not depend on how fast a loaded machine runs the sender and the container.
    @ParameterizedTest(name = "first {0} bytes, the rest once the filter went asynchronous: asynchronous {1}")
    @CsvSource({"-1, false", "10, true"})
    void aBodyIsReadAtOnceIfItArrivedWholeElseAsynchronouslyAndAnsweredTheSameEitherWay(int first, boolean async)
            throws Exception {
        start(java.time.Duration.ofSeconds(30));
        byte[] body = workflowCompleted("inst-" + first);

        String response = send(body, first < 0 ? body.length : first);

        assertThat(response).startsWith("HTTP/1.1 200").contains("\"status\":\"processed\"");
        assertThat(handled).containsExactly("inst-" + first);
        assertThat(wentAsync).containsExactly(async);
    }

    @Test
    void aBodyShorterThanDeclaredIsLeftToTheAsynchronousReadAndItsDeadline() throws Exception {
        start(java.time.Duration.ofMillis(500));
        byte[] body = workflowCompleted("inst-short");

        // Declares one byte more than it sends, then waits: the body is never all there.
        String response = sendDeclaring(body.length + 1, body);

        assertThat(response).startsWith("HTTP/1.1 408");
        assertThat(handled).isEmpty();
        assertThat(wentAsync).containsExactly(true);
    }

    private void start(java.time.Duration readDeadline) throws Exception {
        WebhookReceiver receiver = WebhookReceiver.builder().signingKey("test", API_KEY)
                .readDeadline(readDeadline)
                .onAny((event, context) -> handled.add(((ai.refold.webhooks.event.WorkflowCompleted) event)
                        .instanceId()))
                .build();
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        Filter observer = (request, response, chain) -> {
            chain.doFilter(request, response);
            wentAsync.add(((HttpServletRequest) request).isAsyncStarted());
        };
        FilterHolder outer = new FilterHolder(observer);
        outer.setAsyncSupported(true);
        context.addFilter(outer, "/*", EnumSet.of(DispatcherType.REQUEST));
        FilterHolder refold = new FilterHolder(RefoldWebhookFilter.builder(receiver).build());
        refold.setAsyncSupported(true);
        context.addFilter(refold, "/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new HttpServlet() { }, "/*");
        container = JettyContainer.start(context);
    }

    // Sends the head and the first `first` bytes of the body in one write, then the rest once the outer filter saw
    // the request go asynchronous (the filter returned without the body): never before, whatever the machine's speed.
    private String send(byte[] body, int first) throws IOException, InterruptedException {
        try (Socket socket = open()) {
            OutputStream out = socket.getOutputStream();
            out.write(concat(head(body.length, SIGNED.signature(body)), Arrays.copyOf(body, first)));
            out.flush();
            if (first < body.length) {
                long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
                while (wentAsync.isEmpty()) {
                    assertThat(System.nanoTime() - deadline).as("the filter returned, gone asynchronous, within 20 s")
                            .isNegative();
                    Thread.sleep(5);
                }
                out.write(body, first, body.length - first);
                out.flush();
            }
            return read(socket.getInputStream());
        }
    }

    private String sendDeclaring(int declared, byte[] body) throws IOException {
        try (Socket socket = open()) {
            OutputStream out = socket.getOutputStream();
            out.write(concat(head(declared, SIGNED.signature(body)), body));
            out.flush();
            return read(socket.getInputStream());
        }
    }

    private Socket open() throws IOException {
        java.net.URI uri = container.uri(RefoldWebhookFilter.DEFAULT_PATH);
        Socket socket = new Socket(uri.getHost(), uri.getPort());
        socket.setSoTimeout(30_000);
        return socket;
    }

    static byte[] head(int length, String signature) {
        return ("POST " + RefoldWebhookFilter.DEFAULT_PATH + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/json\r\nConnection: close\r\n" + SIGNATURE_HEADER + ": " + signature
                + "\r\nContent-Length: " + length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    // The whole response: the server closes the connection after it (Connection: close).
    static String read(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        in.transferTo(all);
        return all.toString(StandardCharsets.UTF_8);
    }
}
