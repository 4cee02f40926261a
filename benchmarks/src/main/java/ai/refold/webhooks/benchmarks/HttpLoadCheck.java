package ai.refold.webhooks.benchmarks;

import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.servlet.RefoldWebhookFilter;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Deliveries per second through {@link RefoldWebhookFilter} in an embedded Jetty 12, against the same server
 * answering 200 from a bare servlet that reads the body, both on loopback. Each run is bounded in count and in
 * time and stops by itself.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar ai.refold.webhooks.benchmarks.HttpLoadCheck [deliveries] [seconds] [threads]
 * </pre>
 */
public final class HttpLoadCheck {

    private static final java.util.concurrent.atomic.AtomicReference<String> FIRST_FAILURE =
            new java.util.concurrent.atomic.AtomicReference<>();

    private HttpLoadCheck() {
    }

    public static void main(String[] args) throws Exception {
        int deliveries = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        AtomicInteger handled = new AtomicInteger();
        WebhookReceiver receiver = WebhookReceiver.builder()
                .signingKey("live", Deliveries.API_KEY)
                .on(WorkflowErrored.class, (event, context) -> handled.incrementAndGet())
                .build();

        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addServlet(new ServletHolder(new BareServlet()), "/");
        context.addFilter(new FilterHolder(RefoldWebhookFilter.builder(receiver).build()), "/webhooks/refold",
                EnumSet.of(DispatcherType.REQUEST));
        server.setHandler(context);
        server.start();
        boolean ok;
        try {
            String base = "http://127.0.0.1:" + connector.getLocalPort();
            ok = compare(base + "/bare", "bare servlet:  ", base + "/webhooks/refold", "refold filter: ", deliveries,
                    seconds, threads, handled);
        } finally {
            server.stop();
        }
        if (!ok) {
            System.exit(1);
        }
    }

    /**
     * Warms up both endpoints, measures them in A-B-B-A order and prints deliveries per second and their ratio;
     * returns false, after printing the first failure, if any delivery was not answered 200.
     */
    static boolean compare(String bareUrl, String bareLabel, String filterUrl, String filterLabel, int deliveries,
                           int seconds, int threads, AtomicInteger handled) throws InterruptedException {
        int warmup = Math.max(1, deliveries / 10);
        int half = deliveries / 2;
        Deliveries bodies = new Deliveries(Deliveries.SAMPLE_SIZE, 2 * warmup + 4 * half);
        run(bareUrl, bodies, 0, warmup, seconds, threads);
        run(filterUrl, bodies, warmup, warmup, seconds, threads);
        // A-B-B-A, so that whatever warms up or slows down over the run weighs on both sides alike.
        int next = 2 * warmup;
        Result bare = run(bareUrl, bodies, next, half, seconds, threads);
        Result filter = run(filterUrl, bodies, next + half, half, seconds, threads);
        filter = filter.plus(run(filterUrl, bodies, next + 2 * half, half, seconds, threads));
        bare = bare.plus(run(bareUrl, bodies, next + 3 * half, half, seconds, threads));
        System.out.printf(Locale.ROOT, "%s %,d deliveries in %.2f s = %,.0f/s (non-200: %d)%n", bareLabel,
                bare.count, bare.seconds, bare.perSecond(), bare.failures);
        System.out.printf(Locale.ROOT, "%s %,d deliveries in %.2f s = %,.0f/s (non-200: %d)%n", filterLabel,
                filter.count, filter.seconds, filter.perSecond(), filter.failures);
        System.out.printf(Locale.ROOT, "ratio filter / bare = %.2f; handler runs = %,d%n",
                filter.perSecond() / bare.perSecond(), handled.get());
        if (bare.failures > 0 || filter.failures > 0) {
            System.out.println("first failure: " + FIRST_FAILURE.get());
            return false;
        }
        return true;
    }

    private static Result run(String url, Deliveries bodies, int from, int count, int seconds, int threads)
            throws InterruptedException {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        URI uri = URI.create(url);
        AtomicInteger next = new AtomicInteger(from);
        AtomicLong failures = new AtomicLong();
        AtomicInteger done = new AtomicInteger();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        for (int t = 0; t < threads; t++) {
            pool.execute(() -> {
                int i;
                while ((i = next.getAndIncrement()) < from + count && System.nanoTime() < deadline) {
                    HttpRequest request = HttpRequest.newBuilder(uri)
                            .header("content-type", "application/json")
                            .header("x-cobalt-signature", bodies.signatures[i])
                            .POST(HttpRequest.BodyPublishers.ofByteArray(bodies.bodies[i]))
                            .build();
                    try {
                        HttpResponse<Void> response = sendRetryingOnce(client, request);
                        if (response.statusCode() != 200) {
                            failures.incrementAndGet();
                            FIRST_FAILURE.compareAndSet(null, "HTTP " + response.statusCode());
                        }
                    } catch (IOException e) {
                        failures.incrementAndGet();
                        FIRST_FAILURE.compareAndSet(null, e.toString());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    done.incrementAndGet();
                }
            });
        }
        pool.shutdown();
        pool.awaitTermination(seconds + 30L, TimeUnit.SECONDS);
        return new Result(done.get(), (System.nanoTime() - start) / 1e9, failures.get());
    }

    // A pooled connection the server has just closed fails the next request before it is sent; resend it once,
    // as Refold would retry.
    private static HttpResponse<Void> sendRetryingOnce(HttpClient client, HttpRequest request)
            throws IOException, InterruptedException {
        try {
            return client.send(request, HttpResponse.BodyHandlers.discarding());
        } catch (IOException closed) {
            return client.send(request, HttpResponse.BodyHandlers.discarding());
        }
    }

    private record Result(int count, double seconds, long failures) {
        double perSecond() {
            return count / seconds;
        }

        Result plus(Result other) {
            return new Result(count + other.count, seconds + other.seconds, failures + other.failures);
        }
    }

    /** Reads the body and answers 200, as the cheapest possible receiver would. */
    private static final class BareServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
            request.getInputStream().readAllBytes();
            response.setStatus(200);
            response.setContentLength(0);
        }
    }
}
