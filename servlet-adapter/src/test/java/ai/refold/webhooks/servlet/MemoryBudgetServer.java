package ai.refold.webhooks.servlet;

import ai.refold.webhooks.WebhookReceiver;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The receiver {@link MemoryBudgetTest} starts in a child JVM with a small heap: the filter in Jetty or Tomcat,
 * bodies up to 16 MiB, and the default body budget. It prints {@code READY <port>} once listening, {@code HANDLED <n>}
 * when its input ends, and then stops.
 */
public final class MemoryBudgetServer {

    static final int MAX_BODY_BYTES = 16 << 20;

    private MemoryBudgetServer() {
    }

    /** Arguments: {@code jetty} or {@code tomcat}, then the API key. */
    public static void main(String[] args) throws Exception {
        AtomicInteger handled = new AtomicInteger();
        WebhookReceiver receiver = WebhookReceiver.builder().signingKey("live", args[1])
                .maxBodyBytes(MAX_BODY_BYTES)
                // The test holds admitted uploads until every request has its first answer; far from a deadline.
                .readDeadline(Duration.ofSeconds(60))
                .onAny((event, context) -> handled.incrementAndGet())
                .build();
        RefoldWebhookFilter filter = RefoldWebhookFilter.builder(receiver).build();
        ServletContainer.Starter starter = args[0].equals("jetty") ? JettyContainer::start : TomcatContainer::start;
        try (ServletContainer container = starter.start(filter, Map.of(), new NotFoundServlet())) {
            System.out.println("READY " + container.uri("/").getPort());
            System.out.flush();
            while (System.in.read() >= 0) {
                // Runs until the test closes this process's input.
            }
            System.out.println("HANDLED " + handled.get());
            System.out.flush();
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
