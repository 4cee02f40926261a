package ai.refold.webhooks;

import ai.refold.webhooks.event.WorkflowCompleted;
import ai.refold.webhooks.idempotency.ConnectionPerThreadDataSource;
import ai.refold.webhooks.idempotency.InboxEntry;
import ai.refold.webhooks.idempotency.InboxQuery;
import ai.refold.webhooks.idempotency.InboxStats;
import ai.refold.webhooks.idempotency.InboxStore;
import ai.refold.webhooks.idempotency.JdbcIdempotencyStore;
import ai.refold.webhooks.idempotency.JdbcInboxStore;
import ai.refold.webhooks.idempotency.RetryPolicy;
import ai.refold.webhooks.test.hardening.DeliveryPlan;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.postgresql.ds.PGSimpleDataSource;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A receiver instance in inbox mode in a process of its own, for {@link InboxChaosTest}: a {@link WebhookReceiver}
 * on a {@link JdbcInboxStore} in a shared PostgreSQL database, behind the JDK's HTTP server on 127.0.0.1. Its handler
 * of {@code Workflow Completed} records every run in a table of the same database (event, instance, attempt,
 * outcome), so that the runs can be counted across a {@code SIGKILL}; a run fails while the outage flag file exists
 * (the handlers' downstream is down) and otherwise {@value DeliveryPlan#FAILURE_PERCENT}% of the time, and every
 * {@value #SLOW_EVERY}th event is handled slowly.
 *
 * <p>It prints on its standard output, each on a line of its own and flushed before it goes on: {@code listening
 * <port>} once it serves; {@code taken <key> <owner>} when a worker took an entry, before its handlers start;
 * {@code ended <key> <owner>} once that worker recorded the entry's outcome; {@code slow <event>} when a slow handler
 * starts. What it took and did not end when it was killed is the crash window. A child's lines reach the pipe before
 * it goes on, so a {@code SIGKILL} loses none of them.
 *
 * <p>Arguments: JDBC URL, user, inbox table, runs table, API key, instance name, outage flag file. It halts when its
 * standard input closes and shuts down gracefully on {@link ReceiverProcess#STOP}.
 */
final class InboxReceiverProcess {

    static final String LISTENING = "listening";
    static final String TAKEN = "taken";
    static final String ENDED = "ended";
    static final String SLOW = "slow";
    /** An entry its holder found no longer its own: a renewal or an outcome the store refused, its lease lapsed. */
    static final String LAPSED = "lapsed";

    /** The lease of a taken entry: ten seconds, the default, renewed every third of it. */
    static final Duration LEASE = WebhookReceiver.DEFAULT_LEASE;
    /** Quick retries, so that the inbox's own outlast a downstream outage well beyond Refold's retries. */
    static final RetryPolicy RETRIES = new RetryPolicy(200, Duration.ofMillis(100), Duration.ofSeconds(1));
    static final int WORKERS = 4;
    static final Duration POLL_INTERVAL = Duration.ofMillis(100);
    static final int SLOW_EVERY = 50;
    static final Duration SLOW_HANDLER = Duration.ofMillis(300);
    static final String PATH = "/webhooks/refold";
    /** The response header that tells the test which outcome the receiver answered. */
    static final String OUTCOME_HEADER = "x-test-outcome";

    private static final PrintStream OUT = new PrintStream(new FileOutputStream(FileDescriptor.out), false,
            StandardCharsets.UTF_8);

    private InboxReceiverProcess() {
    }

    public static void main(String[] args) throws Exception {
        String runsTable = args[3];
        String instance = args[5];
        Path outage = Path.of(args[6]);
        PGSimpleDataSource postgres = new PGSimpleDataSource();
        postgres.setUrl(args[0]);
        postgres.setUser(args[1]);
        postgres.setConnectTimeout(5);
        postgres.setSocketTimeout(30);
        ConnectionPerThreadDataSource connections = new ConnectionPerThreadDataSource(postgres);
        JdbcInboxStore store = JdbcInboxStore.builder().dataSource(connections).tableName(args[2])
                .dialect(JdbcIdempotencyStore.Dialect.POSTGRESQL).build();
        WebhookReceiver receiver = WebhookReceiver.builder()
                .signingKey("live", args[4])
                .lease(LEASE)
                .inbox(new ReportingInbox(store), InboxOptions.defaults().withWorkers(WORKERS)
                        .withPollInterval(POLL_INTERVAL).withRetries(RETRIES))
                .on(WorkflowCompleted.class, (event, context) -> {
                    int i = DeliveryPlan.eventOf(event);
                    if (i % SLOW_EVERY == 0) {
                        report(SLOW + " " + i);
                        Thread.sleep(SLOW_HANDLER.toMillis());
                    }
                    String outcome = Files.exists(outage) ? "outage"
                            : ThreadLocalRandom.current().nextInt(100) < DeliveryPlan.FAILURE_PERCENT ? "failed" : "ok";
                    record(connections, runsTable, i, instance, context.attempt(), outcome);
                    if (!outcome.equals("ok")) {
                        throw new IllegalStateException("handler of event " + i + " failed: " + outcome);
                    }
                })
                .build();

        ExecutorService requests = Executors.newFixedThreadPool(16);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 512);
        server.setExecutor(requests);
        server.createContext(PATH, exchange -> answer(receiver, exchange));
        server.start();
        ReceiverProcess.exitWithParent(() -> {
            server.stop(0);
            receiver.close(Duration.ofSeconds(10));
            requests.shutdownNow();
        });
        report(LISTENING + " " + server.getAddress().getPort());
    }

    // The adapter: request in, response out, as a servlet filter does.
    private static void answer(WebhookReceiver receiver, HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            Headers.Builder headers = Headers.builder();
            exchange.getRequestHeaders().forEach((name, values) -> values.forEach(value -> headers.add(name, value)));
            DeliveryResult result = receiver.receive(DeliveryRequest.of(exchange.getRequestMethod(), headers.build(),
                    body));
            result.responseHeaders().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
            exchange.getResponseHeaders().add(OUTCOME_HEADER, result.outcome().name());
            exchange.sendResponseHeaders(result.status(), -1);
        }
    }

    // The handler's effect, in the database, so that it outlives a kill: one row per run.
    private static void record(ConnectionPerThreadDataSource connections, String table, int event, String instance,
                               DeliveryContext.Attempt attempt, String outcome) throws SQLException {
        try (Connection connection = connections.getConnection();
             PreparedStatement insert = connection.prepareStatement("INSERT INTO " + table
                     + " (event_id, instance, attempt, outcome) VALUES (?, ?, ?, ?)")) {
            insert.setInt(1, event);
            insert.setString(2, instance);
            insert.setString(3, attempt.name());
            insert.setString(4, outcome);
            insert.executeUpdate();
        }
    }

    private static void report(String line) {
        synchronized (OUT) {
            OUT.println(line);
            OUT.flush();
        }
    }

    /** The inbox as the workers see it, reporting what they took and what they ended. */
    private static final class ReportingInbox implements InboxStore {

        private final InboxStore delegate;

        ReportingInbox(InboxStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public boolean offer(InboxEntry entry) {
            return delegate.offer(entry);
        }

        @Override
        public boolean offerTaken(InboxEntry entry, String owner, Duration lease) {
            boolean stored = delegate.offerTaken(entry, owner, lease);
            if (stored) {
                report(TAKEN + " " + entry.key() + " " + owner);
            }
            return stored;
        }

        @Override
        public boolean storesTaken() {
            return delegate.storesTaken();
        }

        @Override
        public List<InboxEntry> take(String owner, int max, Duration lease) {
            List<InboxEntry> taken = delegate.take(owner, max, lease);
            for (InboxEntry entry : taken) {
                report(TAKEN + " " + entry.key() + " " + owner);
            }
            return taken;
        }

        @Override
        public boolean renew(String key, String owner, Duration lease) {
            boolean renewed = delegate.renew(key, owner, lease);
            if (!renewed) {
                report(LAPSED + " " + key);
            }
            return renewed;
        }

        @Override
        public boolean done(String key, String owner, Duration retention) {
            return ended(delegate.done(key, owner, retention), key, owner);
        }

        @Override
        public boolean retry(String key, String owner, Duration delay, Set<String> doneHandlers, String error) {
            return ended(delegate.retry(key, owner, delay, doneHandlers, error), key, owner);
        }

        @Override
        public boolean dead(String key, String owner, Set<String> doneHandlers, String error) {
            return ended(delegate.dead(key, owner, doneHandlers, error), key, owner);
        }

        @Override
        public boolean giveUp(String key, String owner, Set<String> doneHandlers, String error) {
            return ended(delegate.giveUp(key, owner, doneHandlers, error), key, owner);
        }

        @Override
        public boolean release(String key, String owner) {
            return ended(delegate.release(key, owner), key, owner);
        }

        @Override
        public Optional<InboxEntry> find(String key) {
            return delegate.find(key);
        }

        @Override
        public List<InboxEntry> list(InboxQuery query) {
            return delegate.list(query);
        }

        @Override
        public int replay(InboxQuery query) {
            return delegate.replay(query);
        }

        @Override
        public int discard(InboxQuery query) {
            return delegate.discard(query);
        }

        @Override
        public int purge(int batchSize) {
            return delegate.purge(batchSize);
        }

        @Override
        public InboxStats stats() {
            return delegate.stats();
        }

        @Override
        public java.util.Optional<java.time.Instant> oldestDue() {
            return delegate.oldestDue();
        }

        private static boolean ended(boolean held, String key, String owner) {
            report((held ? ENDED : LAPSED) + " " + key + (held ? " " + owner : ""));
            return held;
        }
    }
}
