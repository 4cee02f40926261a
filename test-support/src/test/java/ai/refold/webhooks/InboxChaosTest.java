package ai.refold.webhooks;

import ai.refold.webhooks.idempotency.InboxState;
import ai.refold.webhooks.idempotency.InboxStats;
import ai.refold.webhooks.idempotency.JdbcIdempotencyStore;
import ai.refold.webhooks.idempotency.JdbcInboxStore;
import ai.refold.webhooks.test.EmbeddedPostgres;
import ai.refold.webhooks.test.hardening.DeliveryPlan;
import ai.refold.webhooks.test.hardening.DeliverySoak;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Inbox mode under chaos, for real: two receiver instances, A and B, each a JVM of its own
 * ({@link InboxReceiverProcess}) serving HTTP in inbox mode on one PostgreSQL database, while this test plays Refold
 * with {@link DeliveryPlan}'s pattern (30% of events sent two or three times, some copies at the same moment) and
 * retries any answer but 200 up to 3 times after 1 s, 2 s and 4 s, each attempt on the other instance. Handlers
 * fail 5% of the time. Along the way:
 * <ul>
 *   <li>at 20% of events acknowledged, PostgreSQL is stopped and started again: deliveries meanwhile get 503 (or no
 *       answer), and Refold's retries bring them back;</li>
 *   <li>at 45%, A is killed with {@code SIGKILL} while a slow handler runs, and A' is started in its place;</li>
 *   <li>at 65%, the handlers' downstream is down for {@link #OUTAGE}, longer than Refold's retries: every handler
 *       fails, and the inbox's own retries (100 ms to 1 s apart, 200 attempts) outlast it.</li>
 * </ul>
 * Then the inbox drains. Every handler run is a row in a table of the same database, so runs are counted across the
 * kill. The test asserts that every event acknowledged with 200 was handled to success, none is lost or dead, every
 * event not acknowledged is one Refold gave up on, and only entries A's workers held when it died ran to success
 * twice or were rerun at all: the crash window, which is what A reported taken and not ended, and what its workers'
 * owner tokens still held in the database right after its death (taken, but killed before it could report).
 *
 * <p>{@code refold.chaos.events} sets the size (20,000 by default), {@code refold.chaos.threads} the senders (32),
 * {@code refold.chaos.seed} the draw, {@code refold.chaos.databaseDownMillis} how long the database stays stopped
 * (1,000 ms; the workers hold their entries through any stop shorter than about two thirds of the 10 s lease).
 */
class InboxChaosTest {

    private static final List<Duration> BACKOFF = List.of(Duration.ofSeconds(1), Duration.ofSeconds(2),
            Duration.ofSeconds(4));
    // Stopped, then started again this much later: well inside Refold's 7 s of retries, and within a lease, so that
    // workers recording an outcome meanwhile still hold their entries when it is back.
    private static final Duration DATABASE_DOWN = Duration.ofMillis(Long.getLong("refold.chaos.databaseDownMillis",
            1_000));
    // Longer than Refold's retry window (1 + 2 + 4 s): Refold alone could not bridge it.
    private static final Duration OUTAGE = Duration.ofSeconds(10);
    // Generous against a loaded machine: a JVM starts, and a request is answered, in far less.
    private static final Duration PATIENCE = Duration.ofMinutes(1);
    private static final Duration DRAIN = Duration.ofMinutes(5);
    private static final String RUNS = "chaos_handler_runs";
    private static final Set<String> NOT_SENT = Set.of("content-length", "host", "connection");

    private final Map<String, AtomicLong> answers = new ConcurrentHashMap<>();
    private final AtomicLong deliveries = new AtomicLong();
    private final AtomicInteger acknowledgedEvents = new AtomicInteger();
    private final AtomicLong gaveUp = new AtomicLong();
    private final Set<Integer> gaveUpEvents = ConcurrentHashMap.newKeySet();
    private volatile boolean sendersDone;
    private volatile long databaseDownNanos;
    private volatile boolean killedMidHandler;
    private volatile int reportedWindow;

    @Test
    void everyAcknowledgedEventIsHandledNoneIsLostOrDeadAndOnlyEntriesOfTheKilledInstanceRunTwice() throws Exception {
        int events = Integer.getInteger("refold.chaos.events", 20_000);
        int threads = Integer.getInteger("refold.chaos.threads", 32);
        DeliveryPlan plan = DeliveryPlan.draw(events, new Random(Long.getLong("refold.chaos.seed", 20_261_201L)), 0);
        AtomicIntegerArray acknowledged = new AtomicIntegerArray(events);
        long start = System.nanoTime();
        Path directory = Files.createTempDirectory("inbox-chaos-");
        Path outage = directory.resolve("downstream-outage");
        List<ChildReceiver> started = new CopyOnWriteArrayList<>();
        Set<String> crashWindowKeys;
        long drainedNanos;
        try (EmbeddedPostgres database = EmbeddedPostgres.start()) {
            JdbcInboxStore inbox = JdbcInboxStore.builder().dataSource(database.dataSource())
                    .dialect(JdbcIdempotencyStore.Dialect.POSTGRESQL).createTableIfMissing(true).build();
            inbox.stats(); // creates the table before any instance starts, as a migration would
            execute(database, "CREATE TABLE " + RUNS + " (event_id INTEGER NOT NULL, instance VARCHAR(8) NOT NULL,"
                    + " attempt VARCHAR(8) NOT NULL, outcome VARCHAR(8) NOT NULL,"
                    + " at TIMESTAMP NOT NULL DEFAULT clock_timestamp())");
            List<String> args = List.of("jdbc:postgresql://127.0.0.1:" + database.port() + "/postgres", "postgres",
                    inbox.tableName(), RUNS, DeliveryPlan.API_KEY);
            AtomicReferenceArray<ChildReceiver> slots = new AtomicReferenceArray<>(2);
            for (String name : List.of("A", "B")) {
                ChildReceiver child = start(name, args, outage, directory);
                started.add(child);
                slots.set(started.size() - 1, child);
            }

            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            ExecutorService senders = Executors.newFixedThreadPool(threads);
            try {
                CompletableFuture<Set<String>> chaos = CompletableFuture.supplyAsync(() -> chaos(database, slots,
                        started, args, outage, directory, events),
                        task -> KillableInstance.daemon(task, "chaos").start());
                List<Future<Void>> sent = senders.invokeAll(plan.senders((event, copy) ->
                        send(client, slots, plan, acknowledged, event, copy)), 10 * PATIENCE.toMinutes(),
                        TimeUnit.MINUTES);
                for (Future<Void> sender : sent) {
                    assertThat(sender.isCancelled()).as("a sender stopped by the time bound").isFalse();
                    sender.get();
                }
                sendersDone = true;
                crashWindowKeys = chaos.get(PATIENCE.toMillis() + OUTAGE.toMillis(), TimeUnit.MILLISECONDS);
                long drainStart = System.nanoTime();
                awaitDrained(inbox);
                drainedNanos = System.nanoTime() - drainStart;
            } finally {
                sendersDone = true;
                senders.shutdownNow();
                for (ChildReceiver child : started) {
                    child.stop(PATIENCE);
                }
            }

            InboxStats stats = inbox.stats();
            Map<Integer, int[]> runs = runsByEvent(database);
            Map<String, Long> outcomes = count(database, "SELECT outcome, COUNT(*) FROM " + RUNS + " GROUP BY outcome");
            Map<String, Long> successes = count(database, "SELECT instance, COUNT(*) FROM " + RUNS
                    + " WHERE outcome = 'ok' GROUP BY instance");
            long mostFailedAttempts = count(database, "SELECT 'most', MAX(attempts) FROM " + inbox.tableName())
                    .getOrDefault("most", 0L);
            Set<Integer> killedWindow = crashWindowKeys.stream().map(InboxChaosTest::eventOfKey)
                    .collect(Collectors.toSet());
            // A live instance whose renewals did not land within the lease (starved of CPU by other builds on the
            // machine) loses its entries as a killed one does, and says so: those entries widen the window.
            Set<Integer> lapsed = started.stream().flatMap(child -> child.lapsedKeys().stream())
                    .map(InboxChaosTest::eventOfKey).filter(i -> !killedWindow.contains(i))
                    .collect(Collectors.toCollection(TreeSet::new));
            Set<Integer> crashWindow = new HashSet<>(killedWindow);
            crashWindow.addAll(lapsed);

            int acknowledgedHandled = 0;
            int lost = 0;
            int twiceInWindow = 0;
            int twiceOutside = 0;
            int moreThanTwice = 0;
            Set<Integer> rerunOutside = new HashSet<>();
            int unaccounted = 0;
            for (int i = 0; i < events; i++) {
                int[] of = runs.getOrDefault(i, new int[2]);
                if (acknowledged.get(i) > 0) {
                    if (of[0] == 0) {
                        lost++;
                    } else {
                        acknowledgedHandled++;
                    }
                } else if (!gaveUpEvents.contains(i)) {
                    unaccounted++;
                }
                if (of[0] == 2) {
                    if (crashWindow.contains(i)) {
                        twiceInWindow++;
                    } else {
                        twiceOutside++;
                    }
                }
                moreThanTwice += of[0] > 2 ? 1 : 0;
                if (of[1] > 0 && !crashWindow.contains(i)) {
                    rerunOutside.add(i);
                }
            }
            long neverAcknowledged = gaveUpEvents.stream().filter(i -> acknowledged.get(i) == 0).count();
            long neverAcknowledgedButHandled = gaveUpEvents.stream()
                    .filter(i -> acknowledged.get(i) == 0 && runs.getOrDefault(i, new int[2])[0] > 0).count();
            long rerunsInWindow = crashWindow.stream().filter(i -> runs.getOrDefault(i, new int[2])[1] > 0).count();
            System.out.printf("inbox chaos: two receiver JVMs in inbox mode over HTTP on one PostgreSQL database%n"
                            + "  events=%d copies sent=%d deliveries=%d answers=%s%n"
                            + "  Refold gave up on %d copies after %d retries (%d events never acknowledged, %d of them"
                            + " stored before their 503 and handled anyway)%n"
                            + "  database restarted once: down %.1f s%n"
                            + "  downstream outage of %d s: handler runs failed by it=%d; other handler failures=%d;"
                            + " most failed attempts of one entry=%d of %d allowed%n"
                            + "  A SIGKILLed %s holding %d entries (the crash window; %d reported taken, the others"
                            + " found held by its workers in the database); reruns there=%d,"
                            + " handled twice there=%d%n"
                            + "  entries whose lease lapsed while a live instance held them (in the window too)=%d%n"
                            + "  runs to success by instance=%s%n"
                            + "  acknowledged events=%d handled=%d lost=%d dead=%d handled twice outside the crash"
                            + " window=%d reruns outside it=%d%n"
                            + "  inbox drained %.1f s after the last delivery; whole test %.1f s%n",
                    events, events + plan.duplicates(), deliveries.get(), new TreeMap<>(Map.copyOf(answers)),
                    gaveUp.get(), DeliverySoak.RETRIES, neverAcknowledged, neverAcknowledgedButHandled,
                    databaseDownNanos / 1e9, OUTAGE.toSeconds(), outcomes.getOrDefault("outage", 0L),
                    outcomes.getOrDefault("failed", 0L), mostFailedAttempts,
                    InboxReceiverProcess.RETRIES.maxAttempts(), killedMidHandler ? "mid-handler" : "mid-run",
                    killedWindow.size(), reportedWindow, rerunsInWindow, twiceInWindow, lapsed.size(),
                    new TreeMap<>(successes),
                    acknowledgedEvents.get(), acknowledgedHandled, lost, stats.count(InboxState.DEAD), twiceOutside,
                    rerunOutside.size(), drainedNanos / 1e9, (System.nanoTime() - start) / 1e9);

            List<Integer> shown = runs.entrySet().stream().filter(e -> e.getValue()[0] > 1 || e.getValue()[1] > 0)
                    .map(Map.Entry::getKey).limit(10).toList();
            for (int i : shown) {
                System.out.println("  runs of event " + i + (killedWindow.contains(i) ? " (held by the killed instance)"
                        : lapsed.contains(i) ? " (its lease lapsed while a live instance held it)" : "")
                        + ": " + count(database, "SELECT instance || ' ' || attempt || ' ' || outcome || ' ' || at, 1"
                        + " FROM " + RUNS + " WHERE event_id = " + i).keySet());
            }
            assertThat(lost).as("acknowledged events never handled to success").isZero();
            assertThat(stats.count(InboxState.DEAD)).as("dead letters").isZero();
            assertThat(stats.count(InboxState.PENDING) + stats.count(InboxState.PROCESSING)).as("left undrained")
                    .isZero();
            assertThat(twiceOutside).as("events handled twice outside the crash window").isZero();
            assertThat(moreThanTwice).as("events handled more than twice").isZero();
            assertThat(rerunOutside).as("events rerun outside the crash window").isEmpty();
            assertThat(unaccounted).as("events neither acknowledged nor given up by Refold").isZero();
            assertThat(crashWindow).as("entries A held when it was killed").isNotEmpty();
            assertThat(answers.getOrDefault("503 STORE_UNAVAILABLE", new AtomicLong()).get())
                    .as("deliveries answered 503 while the database was down").isPositive();
            assertThat(outcomes.getOrDefault("outage", 0L)).as("runs failed by the outage").isPositive();
            assertThat(outcomes.getOrDefault("failed", 0L)).as("runs failed by chance").isPositive();
            assertThat(answers.getOrDefault("200 DUPLICATE", new AtomicLong()).get()).as("duplicates").isPositive();
            assertThat(successes).as("instances that ran handlers to success").containsKeys("A", "B", "A'");
        } finally {
            for (ChildReceiver child : started) {
                child.stop(Duration.ZERO);
                String errors = child.errors();
                if (!errors.isBlank()) {
                    System.err.println("instance " + child.name() + " wrote on its standard error:\n"
                            + errors.substring(0, Math.min(errors.length(), 5_000)));
                }
            }
            deleteQuietly(directory);
        }
    }

    // One copy as Refold sends it: a first attempt, then up to 3 retries after their backoff while the answer is not
    // 200 (none at all counts as not 200), each on the other instance.
    private void send(HttpClient client, AtomicReferenceArray<ChildReceiver> slots, DeliveryPlan plan,
                      AtomicIntegerArray acknowledged, int event, int copy) throws InterruptedException {
        DeliveryRequest delivery = plan.delivery(event);
        for (int attempt = 0; attempt <= DeliverySoak.RETRIES; attempt++) {
            if (attempt > 0) {
                TimeUnit.NANOSECONDS.sleep(BACKOFF.get(attempt - 1).toNanos());
            }
            String answer = post(client, slots.get((event + copy + attempt) % 2), delivery);
            deliveries.incrementAndGet();
            answers.computeIfAbsent(answer, kind -> new AtomicLong()).incrementAndGet();
            if (answer.startsWith("200 ")) {
                if (acknowledged.getAndIncrement(event) == 0) {
                    acknowledgedEvents.incrementAndGet();
                }
                return;
            }
        }
        gaveUp.incrementAndGet();
        gaveUpEvents.add(event);
    }

    private static String post(HttpClient client, ChildReceiver target, DeliveryRequest delivery)
            throws InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + target.port()
                        + InboxReceiverProcess.PATH))
                .timeout(PATIENCE)
                .POST(HttpRequest.BodyPublishers.ofByteArray(delivery.body()));
        for (String name : delivery.headers().names()) {
            if (!NOT_SENT.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                delivery.headers().all(name).forEach(value -> request.header(name, value));
            }
        }
        try {
            HttpResponse<Void> response = client.send(request.build(), HttpResponse.BodyHandlers.discarding());
            return response.statusCode() + " " + response.headers().firstValue(InboxReceiverProcess.OUTCOME_HEADER)
                    .orElse("?");
        } catch (IOException e) {
            return "no answer";
        }
    }

    // The chaos, in order as the run goes: the database restarted, A killed mid-handler and A' started in its place,
    // the downstream outage. Returns the keys of the entries A held when it died.
    private Set<String> chaos(EmbeddedPostgres database, AtomicReferenceArray<ChildReceiver> slots,
                              List<ChildReceiver> started, List<String> args, Path outage, Path directory, int events) {
        try {
            awaitAcknowledged(events * 20 / 100);
            long down = System.nanoTime();
            database.stopServer();
            TimeUnit.NANOSECONDS.sleep(DATABASE_DOWN.toNanos());
            database.startServer();
            databaseDownNanos = System.nanoTime() - down;

            awaitAcknowledged(events * 45 / 100);
            ChildReceiver victim = slots.get(0);
            killedMidHandler = victim.awaitNextSlowHandler(PATIENCE);
            Set<String> window = new HashSet<>(victim.kill(PATIENCE));
            reportedWindow = window.size();
            // Taken in the database but not yet reported when the kill came; the lease (10 s) holds them long after.
            window.addAll(heldBy(database, victim.workerNodes()));
            ChildReceiver restarted = start("A'", args, outage, directory);
            started.add(restarted);
            slots.set(0, restarted);

            awaitAcknowledged(events * 65 / 100);
            Files.createFile(outage);
            TimeUnit.NANOSECONDS.sleep(OUTAGE.toNanos());
            Files.delete(outage);
            return window;
        } catch (Exception e) {
            throw new IllegalStateException("the chaos did not run to its end", e);
        }
    }

    private void awaitAcknowledged(int count) throws InterruptedException {
        while (acknowledgedEvents.get() < count) {
            if (sendersDone) {
                throw new IllegalStateException("the senders ended with " + acknowledgedEvents.get()
                        + " events acknowledged, before " + count);
            }
            TimeUnit.MILLISECONDS.sleep(5);
        }
    }

    private static ChildReceiver start(String name, List<String> args, Path outage, Path directory) throws Exception {
        List<String> all = new ArrayList<>(args);
        all.add(name);
        all.add(outage.toString());
        return ChildReceiver.start(name, all, directory, PATIENCE);
    }

    private static void awaitDrained(JdbcInboxStore inbox) throws InterruptedException {
        long deadline = System.nanoTime() + DRAIN.toNanos();
        while (true) {
            InboxStats stats = inbox.stats();
            if (stats.count(InboxState.PENDING) + stats.count(InboxState.PROCESSING) == 0) {
                return;
            }
            assertThat(System.nanoTime() - deadline).as("the inbox drained within %s: %s", DRAIN, stats).isNegative();
            TimeUnit.MILLISECONDS.sleep(100);
        }
    }

    // Per event: runs to success, and runs to success that were reruns.
    private static Set<String> heldBy(EmbeddedPostgres database, Set<String> workerNodes) throws SQLException {
        Set<String> keys = new HashSet<>();
        try (Connection connection = database.dataSource().getConnection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT idempotency_key, owner_token FROM "
                     + JdbcInboxStore.DEFAULT_TABLE_NAME + " WHERE state = 'PROCESSING'")) {
            while (rows.next()) {
                String owner = rows.getString(2);
                if (workerNodes.contains(owner.substring(0, owner.indexOf('.') + 1))) {
                    keys.add(rows.getString(1));
                }
            }
        }
        return keys;
    }

    private static Map<Integer, int[]> runsByEvent(EmbeddedPostgres database) throws SQLException {
        Map<Integer, int[]> runs = new TreeMap<>();
        try (Connection connection = database.dataSource().getConnection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT event_id, COUNT(*), SUM(CASE WHEN attempt = 'RERUN'"
                     + " THEN 1 ELSE 0 END) FROM " + RUNS + " WHERE outcome = 'ok' GROUP BY event_id")) {
            while (rows.next()) {
                runs.put(rows.getInt(1), new int[] {rows.getInt(2), rows.getInt(3)});
            }
        }
        return runs;
    }

    private static Map<String, Long> count(EmbeddedPostgres database, String query) throws SQLException {
        Map<String, Long> counts = new TreeMap<>();
        try (Connection connection = database.dataSource().getConnection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(query)) {
            while (rows.next()) {
                counts.put(rows.getString(1), rows.getLong(2));
            }
        }
        return counts;
    }

    private static void execute(EmbeddedPostgres database, String sql) throws SQLException {
        try (Connection connection = database.dataSource().getConnection();
             Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static int eventOfKey(String key) {
        return Integer.parseInt(key.substring(key.lastIndexOf("soak-") + "soak-".length()));
    }

    private static void deleteQuietly(Path directory) throws IOException {
        try (var paths = Files.walk(directory)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
