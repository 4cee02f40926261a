package ai.refold.webhooks.benchmarks;

import ai.refold.webhooks.EventHandler;
import ai.refold.webhooks.InboxOptions;
import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.idempotency.InboxState;
import ai.refold.webhooks.idempotency.JdbcIdempotencyStore;
import ai.refold.webhooks.idempotency.JdbcInboxStore;
import ai.refold.webhooks.servlet.RefoldWebhookFilter;
import ai.refold.webhooks.test.EmbeddedPostgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import javax.sql.DataSource;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * Inbox mode over HTTP on PostgreSQL: how fast, and how quickly, {@link RefoldWebhookFilter} in embedded Jetty 12
 * acknowledges deliveries with a receiver in inbox mode on a {@link JdbcInboxStore}, against the floor for a durable
 * acknowledgement: a bare servlet in the same server that does one {@code INSERT ... ON CONFLICT DO NOTHING} of the
 * body per request on the same database. Everything uses HikariCP pools on a PostgreSQL server started here
 * ({@link EmbeddedPostgres}: fsync off, so that both sides pay CPU rather than a disk's flush).
 *
 * <p>Two comparisons, each A-B-B-A after a warm-up: the acknowledgement alone (a receiver whose workers are held
 * until it is measured; the backlog's run is then timed), and the acknowledgement with the workers running the
 * handlers alongside, as in production (the inbox drained before the next side, so that its backlog weighs only on
 * its own side; CPU time per delivery of this JVM and of PostgreSQL is read from {@code /proc}). Then deliveries are
 * sent at a steady 500 a second, and the time from receipt to the handler's run is measured. Every run is bounded in
 * count and time and stops by itself; it exits non-zero if any delivery is not answered 200.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar ai.refold.webhooks.benchmarks.InboxLoadCheck [deliveries] [seconds] [threads] [workers]
 * </pre>
 */
public final class InboxLoadCheck {

    private static final String HELD_PATH = "/webhooks/held";
    private static final int PACED_PER_SECOND = 500;
    private static final int PACED_SECONDS = 10;
    private static final int POOL_SIZE = 16;
    private static final int WORKERS = 4;
    // Rounds of warm-up, each half the measured count per path. With one round, -XX:+PrintCompilation showed the JIT
    // still compiling (hundreds of methods and deoptimisations per 5 s) through the first A-B-B-A, and its floor ran at
    // 5,300-7,200/s against 7,800-9,000/s in the second: the inbox's longer paths, compiled later, paid more for it.
    // After three, the first floor runs as fast as the second.
    private static final int WARMUP_ROUNDS = 3;
    private static final Duration DRAIN = Duration.ofSeconds(60);
    private static final AtomicReference<String> FIRST_FAILURE = new AtomicReference<>();

    private InboxLoadCheck() {
    }

    public static void main(String[] args) throws Exception {
        int deliveries = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        int workers = args.length > 3 ? Integer.parseInt(args[3]) : WORKERS;
        // Half the measured count per path and round: after a tenth or a quarter, the first A-B-B-A still ran on code
        // being compiled, its floor at 4,400 to 5,900/s against 7,800 to 8,700/s in the second.
        int warmup = Math.max(1, deliveries / 2);
        int half = deliveries / 2;
        int paced = PACED_PER_SECOND * PACED_SECONDS;
        Deliveries bodies = new Deliveries(Deliveries.SAMPLE_SIZE, WARMUP_ROUNDS * 3 * warmup + 8 * half + paced
                + paced / 2);
        AtomicLongArray handledAfterNanos = new AtomicLongArray(bodies.bodies.length);
        AtomicInteger handled = new AtomicInteger();

        try (EmbeddedPostgres database = EmbeddedPostgres.start();
             HikariDataSource inboxPool = pool(database, "inbox");
             HikariDataSource floorPool = pool(database, "floor")) {
            execute(floorPool, "CREATE TABLE floor_deliveries (signature VARCHAR(200) PRIMARY KEY, body BYTEA NOT NULL)");
            EventHandler<WorkflowErrored> handler = (event, context) -> {
                int index = Integer.parseInt(event.instanceId().substring(16), 16);
                handledAfterNanos.set(index, Duration.between(context.receivedAt(), Instant.now()).toNanos());
                handled.incrementAndGet();
            };
            // Two receivers on two tables of the same database: one acknowledges while its workers wait (the
            // acknowledgement alone), the other's workers run the handlers alongside, as in production.
            HeldWorkers held = new HeldWorkers();
            JdbcInboxStore heldInbox = inbox(inboxPool, "inbox_held");
            WebhookReceiver heldReceiver = WebhookReceiver.builder().signingKey("live", Deliveries.API_KEY)
                    .inbox(heldInbox, InboxOptions.defaults().withWorkers(workers).withExecutor(held))
                    .on(WorkflowErrored.class, handler).build();
            JdbcInboxStore inbox = inbox(inboxPool, "inbox_running");
            WebhookReceiver receiver = WebhookReceiver.builder().signingKey("live", Deliveries.API_KEY)
                    .inbox(inbox, InboxOptions.defaults().withWorkers(workers))
                    .on(WorkflowErrored.class, handler).build();

            Server server = new Server();
            ServerConnector connector = new ServerConnector(server);
            connector.setHost("127.0.0.1");
            connector.setPort(0);
            server.addConnector(connector);
            ServletContextHandler context = new ServletContextHandler();
            context.setContextPath("/");
            context.addServlet(new ServletHolder(new FloorServlet(floorPool)), "/");
            context.addFilter(new FilterHolder(RefoldWebhookFilter.builder(heldReceiver).path(HELD_PATH).build()),
                    HELD_PATH, EnumSet.of(DispatcherType.REQUEST));
            context.addFilter(new FilterHolder(RefoldWebhookFilter.builder(receiver).build()),
                    RefoldWebhookFilter.DEFAULT_PATH, EnumSet.of(DispatcherType.REQUEST));
            server.setHandler(context);
            server.start();
            try {
                String base = "http://127.0.0.1:" + connector.getLocalPort();
                String floorUrl = base + "/floor";
                String heldUrl = base + HELD_PATH;
                String inboxUrl = base + RefoldWebhookFilter.DEFAULT_PATH;
                int next = 0;
                for (int round = 0; round < WARMUP_ROUNDS; round++) {
                    for (String url : List.of(floorUrl, heldUrl, inboxUrl)) {
                        run(url, bodies, next, warmup, seconds, threads);
                        next += warmup;
                    }
                    awaitDrained(inboxPool, inbox);
                }

                // A-B-B-A, so that whatever warms up or slows down over the run weighs on both sides alike.
                CpuTime floorOfHeldCpu = new CpuTime();
                CpuTime acknowledgingCpu = new CpuTime();
                CpuTime.Mark heldMark = CpuTime.mark();
                Result floorOfHeld = run(floorUrl, bodies, next, half, seconds, threads);
                heldMark = floorOfHeldCpu.add(heldMark);
                Result acknowledging = run(heldUrl, bodies, next + half, half, seconds, threads);
                acknowledging = acknowledging.plus(run(heldUrl, bodies, next + 2 * half, half, seconds, threads));
                heldMark = acknowledgingCpu.add(heldMark);
                floorOfHeld = floorOfHeld.plus(run(floorUrl, bodies, next + 3 * half, half, seconds, threads));
                floorOfHeldCpu.add(heldMark);
                next += 4 * half;
                long backlog = heldInbox.stats().count(InboxState.PENDING);
                held.release();
                Duration backlogRun = awaitDrained(inboxPool, heldInbox);

                CpuTime floorCpu = new CpuTime();
                CpuTime inboxCpu = new CpuTime();
                CpuTime.Mark mark = CpuTime.mark();
                Result floor = run(floorUrl, bodies, next, half, seconds, threads);
                mark = floorCpu.add(mark);
                Result running = run(inboxUrl, bodies, next + half, half, seconds, threads);
                Duration drained = awaitDrained(inboxPool, inbox);
                running = running.plus(run(inboxUrl, bodies, next + 2 * half, half, seconds, threads));
                drained = drained.plus(awaitDrained(inboxPool, inbox));
                mark = inboxCpu.add(mark);
                floor = floor.plus(run(floorUrl, bodies, next + 3 * half, half, seconds, threads));
                floorCpu.add(mark);
                next += 4 * half;

                paced(inboxUrl, bodies, next, paced / 2, threads); // warm-up of the paced path
                awaitDrained(inboxPool, inbox);
                next += paced / 2;
                Result steady = paced(inboxUrl, bodies, next, paced, threads);
                Duration pacedDrain = awaitDrained(inboxPool, inbox);
                long[] endToEnd = new long[steady.count];
                for (int k = 0; k < endToEnd.length; k++) {
                    endToEnd[k] = handledAfterNanos.get(next + k);
                }

                System.out.printf(Locale.ROOT, "floor (one INSERT ... ON CONFLICT DO NOTHING): %s%n", floorOfHeld);
                System.out.printf(Locale.ROOT, "inbox mode, workers held:                     %s%n", acknowledging);
                System.out.printf(Locale.ROOT, "  acknowledging alone / floor: throughput %.2f (target >= 0.8), p99 %.2f"
                        + " (target <= 1.5); the held backlog of %,d then ran in %.1f s = %,.0f/s%n",
                        acknowledging.perSecond() / floorOfHeld.perSecond(), ratio(acknowledging, floorOfHeld, 0.99),
                        backlog, backlogRun.toMillis() / 1e3, backlog / (backlogRun.toMillis() / 1e3));
                System.out.printf(Locale.ROOT, "  CPU per delivery: floor %s; inbox acknowledging alone %s%n",
                        floorOfHeldCpu.perDelivery(floorOfHeld.count), acknowledgingCpu.perDelivery(acknowledging.count));
                System.out.printf(Locale.ROOT, "floor (one INSERT ... ON CONFLICT DO NOTHING): %s%n", floor);
                System.out.printf(Locale.ROOT, "inbox mode, workers running alongside:        %s%n", running);
                System.out.printf(Locale.ROOT, "  with the handlers' runs / floor: throughput %.2f (target >= 0.8), p99"
                        + " %.2f (target <= 1.5); workers done %.1f s after the last acknowledgement%n",
                        running.perSecond() / floor.perSecond(), ratio(running, floor, 0.99), drained.toMillis() / 1e3);
                System.out.printf(Locale.ROOT, "  CPU per delivery: floor %s; inbox %s%n",
                        floorCpu.perDelivery(floor.count), inboxCpu.perDelivery(running.count));
                System.out.printf(Locale.ROOT, "paced at %d/s for %d s: %s; received -> handled p50 %.1f ms, p99 %.1f"
                        + " ms (target p50 < 50 ms), last handled %.1f s after the last send%n",
                        PACED_PER_SECOND, PACED_SECONDS, steady, millis(percentile(endToEnd, 0.50)),
                        millis(percentile(endToEnd, 0.99)), pacedDrain.toMillis() / 1e3);
                System.out.printf(Locale.ROOT, "handler runs = %,d for %,d deliveries acknowledged in inbox mode%n",
                        handled.get(), WARMUP_ROUNDS * 2 * warmup + acknowledging.count + running.count + paced / 2 + steady.count);
                if (Stream.of(floorOfHeld, acknowledging, floor, running, steady).anyMatch(r -> r.failures > 0)) {
                    System.out.println("first failure: " + FIRST_FAILURE.get());
                    System.exit(1);
                }
            } finally {
                held.release();
                heldReceiver.close();
                receiver.close();
                server.stop();
            }
        }
    }

    private static JdbcInboxStore inbox(DataSource pool, String table) {
        JdbcInboxStore inbox = JdbcInboxStore.builder().dataSource(pool).tableName(table)
                .dialect(JdbcIdempotencyStore.Dialect.POSTGRESQL).createTableIfMissing(true).build();
        inbox.stats(); // creates the table before the first delivery
        return inbox;
    }

    private static double ratio(Result side, Result floor, double quantile) {
        return (double) side.percentile(quantile) / floor.percentile(quantile);
    }

    /** Runs an inbox's worker loops only once released, so that its acknowledgements can be measured alone. */
    private static final class HeldWorkers implements Executor {
        private final List<Runnable> waiting = new ArrayList<>();
        private boolean released;

        @Override
        public synchronized void execute(Runnable worker) {
            if (released) {
                start(worker);
            } else {
                waiting.add(worker);
            }
        }

        synchronized void release() {
            if (!released) {
                released = true;
                waiting.forEach(HeldWorkers::start);
            }
        }

        private static void start(Runnable worker) {
            Thread thread = new Thread(worker, "held-inbox-worker");
            thread.setDaemon(true);
            thread.start();
        }
    }

    private static HikariDataSource pool(EmbeddedPostgres database, String name) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(name);
        config.setJdbcUrl("jdbc:postgresql://127.0.0.1:" + database.port() + "/postgres");
        config.setUsername("postgres");
        config.setMaximumPoolSize(POOL_SIZE);
        config.setMinimumIdle(POOL_SIZE);
        return new HikariDataSource(config);
    }

    // A closed loop: each client thread sends its next delivery once the last one is answered.
    private static Result run(String url, Deliveries bodies, int from, int count, int seconds, int threads)
            throws InterruptedException {
        HttpClient client = client();
        AtomicInteger next = new AtomicInteger(from);
        long[] latencies = new long[count];
        AtomicInteger done = new AtomicInteger();
        AtomicLong failures = new AtomicLong();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        for (int t = 0; t < threads; t++) {
            pool.execute(() -> {
                int i;
                while ((i = next.getAndIncrement()) < from + count && System.nanoTime() < deadline) {
                    long sent = System.nanoTime();
                    try {
                        check(sendRetryingOnce(client, request(url, bodies, i)), failures);
                    } catch (IOException e) {
                        failed(failures, e.toString());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    latencies[i - from] = System.nanoTime() - sent;
                    done.incrementAndGet();
                }
            });
        }
        pool.shutdown();
        pool.awaitTermination(seconds + 30L, TimeUnit.SECONDS);
        double elapsed = (System.nanoTime() - start) / 1e9;
        return new Result(done.get(), elapsed, failures.get(), compact(latencies, from, next.get()));
    }

    // An open loop: delivery i leaves at start + i / rate, whether or not earlier ones were answered.
    private static Result paced(String url, Deliveries bodies, int from, int count, int threads)
            throws InterruptedException {
        HttpClient client = client();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long[] latencies = new long[count];
        AtomicLong failures = new AtomicLong();
        List<CompletableFuture<?>> sent = new ArrayList<>();
        long intervalNanos = TimeUnit.SECONDS.toNanos(1) / PACED_PER_SECOND;
        long start = System.nanoTime();
        for (int k = 0; k < count; k++) {
            long due = start + k * intervalNanos;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            int i = from + k;
            int slot = k;
            sent.add(CompletableFuture.runAsync(() -> {
                long leaving = System.nanoTime();
                try {
                    check(sendRetryingOnce(client, request(url, bodies, i)), failures);
                } catch (IOException e) {
                    failed(failures, e.toString());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                latencies[slot] = System.nanoTime() - leaving;
            }, pool));
        }
        try {
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            failed(failures, "paced deliveries not answered within 60 s: " + e);
        }
        pool.shutdownNow();
        return new Result(count, (System.nanoTime() - start) / 1e9, failures.get(), latencies);
    }

    private static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    private static HttpRequest request(String url, Deliveries bodies, int i) {
        return HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30))
                .header("content-type", "application/json")
                .header("x-cobalt-signature", bodies.signatures[i])
                .POST(HttpRequest.BodyPublishers.ofByteArray(bodies.bodies[i]))
                .build();
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

    private static void check(HttpResponse<Void> response, AtomicLong failures) {
        if (response.statusCode() != 200) {
            failed(failures, "HTTP " + response.statusCode());
        }
    }

    private static void failed(AtomicLong failures, String what) {
        failures.incrementAndGet();
        FIRST_FAILURE.compareAndSet(null, what);
    }

    // Waits until no entry is pending or taken. It counts those rows only (a small partial index), not with stats(),
    // whose count of done rows reads every row kept for the duplicate guard: tens of milliseconds of PostgreSQL's CPU
    // per poll here, which weighed on the side being measured.
    private static Duration awaitDrained(DataSource pool, JdbcInboxStore inbox) throws InterruptedException,
            SQLException {
        long start = System.nanoTime();
        long deadline = start + DRAIN.toNanos();
        String due = "SELECT COUNT(*) FROM " + inbox.tableName() + " WHERE state IN ('PENDING', 'PROCESSING')";
        while (System.nanoTime() < deadline) {
            try (Connection connection = pool.getConnection(); Statement statement = connection.createStatement();
                 ResultSet count = statement.executeQuery(due)) {
                if (count.next() && count.getLong(1) == 0) {
                    return Duration.ofNanos(System.nanoTime() - start);
                }
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
        throw new IllegalStateException("the inbox did not drain within " + DRAIN + ": " + inbox.stats());
    }

    private static void execute(DataSource dataSource, String sql) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static long[] compact(long[] latencies, int from, int reached) {
        return Arrays.copyOf(latencies, Math.min(latencies.length, Math.max(0, reached - from)));
    }

    private static long percentile(long[] values, double quantile) {
        if (values.length == 0) {
            return 0;
        }
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.ceil(quantile * sorted.length) - 1];
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }

    private record Result(int count, double seconds, long failures, long[] latencies) {
        double perSecond() {
            return count / seconds;
        }

        long percentile(double quantile) {
            return InboxLoadCheck.percentile(latencies, quantile);
        }

        Result plus(Result other) {
            long[] both = Arrays.copyOf(latencies, latencies.length + other.latencies.length);
            System.arraycopy(other.latencies, 0, both, latencies.length, other.latencies.length);
            return new Result(count + other.count, seconds + other.seconds, failures + other.failures, both);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%,d deliveries in %.2f s = %,.0f/s, acknowledged p50 %.1f ms,"
                    + " p99 %.1f ms (non-200: %d)", count, seconds, perSecond(), millis(percentile(0.50)),
                    millis(percentile(0.99)), failures);
        }
    }

    /** One {@code INSERT ... ON CONFLICT DO NOTHING} of the body per delivery, then 200: the floor of a durable ack. */
    private static final class FloorServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        private final transient DataSource dataSource;

        FloorServlet(DataSource dataSource) {
            this.dataSource = dataSource;
        }

        @Override
        protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
            byte[] body = request.getInputStream().readAllBytes();
            try (Connection connection = dataSource.getConnection();
                 PreparedStatement insert = connection.prepareStatement("INSERT INTO floor_deliveries (signature,"
                         + " body) VALUES (?, ?) ON CONFLICT DO NOTHING")) {
                insert.setString(1, request.getHeader("x-cobalt-signature"));
                insert.setBytes(2, body);
                insert.executeUpdate();
            } catch (SQLException e) {
                response.setStatus(503);
                return;
            }
            response.setStatus(200);
            response.setContentLength(0);
        }
    }
}
