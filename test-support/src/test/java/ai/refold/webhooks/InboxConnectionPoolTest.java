package ai.refold.webhooks;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.idempotency.InboxState;
import ai.refold.webhooks.idempotency.JdbcInboxStore;
import ai.refold.webhooks.logcapture.CapturedEvent;
import ai.refold.webhooks.logcapture.LogCapture;
import ai.refold.webhooks.signature.WebhookSigner;
import ai.refold.webhooks.test.SamplePayloads;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/inbox.md with the pool an adopter really has: HikariCP with 2 connections for 4 workers, each instance its own
 * pool on one shared H2 database, handlers slower than the lease while deliveries keep arriving. The inbox holds one
 * connection at a time per operation, so a small pool slows it but never starves a renewal for long nor deadlocks.
 */
class InboxConnectionPoolTest {

    private static final String API_KEY = "inbox-pool-api-key-0123456789";
    // Renewed every third of it: a renewal held up 2.6 s on a loaded machine still lands in time.
    private static final Duration LEASE = Duration.ofSeconds(4);
    private final List<HikariDataSource> pools = new ArrayList<>();
    private final List<WebhookReceiver> receivers = new ArrayList<>();

    @AfterEach
    void close() {
        receivers.forEach(receiver -> receiver.close(Duration.ofSeconds(10)));
        pools.forEach(HikariDataSource::close);
    }

    private HikariDataSource pool(String database, int size) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:h2:mem:" + database + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000");
        config.setMaximumPoolSize(size);
        config.setConnectionTimeout(5_000);
        HikariDataSource pool = new HikariDataSource(config);
        pools.add(pool);
        return pool;
    }

    private static DeliveryRequest signed(int n) {
        String id = "656f308b9144bb8f183b" + String.format("%04x", 0x1000 + n);
        byte[] body = new String(SamplePayloads.of(EventType.WORKFLOW_ERRORED), StandardCharsets.UTF_8)
                .replace("656f308b9144bb8f183bfc7b", id).getBytes(StandardCharsets.UTF_8);
        return DeliveryRequest.of("POST", Headers.of("x-cobalt-signature", WebhookSigner.of(API_KEY).sign(body)),
                body);
    }

    private static void await(BooleanSupplier condition, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("waited " + seconds + " s").isNegative();
            Thread.sleep(20);
        }
    }

    private WebhookReceiver instance(HikariDataSource pool, Map<String, AtomicInteger> runs, boolean handlerUsesPool) {
        JdbcInboxStore store = JdbcInboxStore.builder().dataSource(pool).createTableIfMissing(true).build();
        WebhookReceiver receiver = WebhookReceiver.builder().signingKey("live", API_KEY).lease(LEASE)
                .inbox(store, InboxOptions.defaults().withWorkers(4).withPollInterval(Duration.ofMillis(100)))
                .on(WorkflowErrored.class, (event, context) -> {
                    runs.computeIfAbsent(event.instanceId(), id -> new AtomicInteger()).incrementAndGet();
                    if (handlerUsesPool) {
                        try (Connection connection = pool.getConnection()) {
                            Thread.sleep(LEASE.toMillis() * 2);
                        }
                    } else {
                        Thread.sleep(LEASE.toMillis() * 2);
                    }
                })
                .build();
        receivers.add(receiver);
        return receiver;
    }

    private List<Integer> deliverConcurrently(List<WebhookReceiver> instances, int deliveries) throws Exception {
        ExecutorService senders = Executors.newFixedThreadPool(6);
        try {
            List<Future<Integer>> answers = new ArrayList<>();
            for (int n = 0; n < deliveries; n++) {
                int i = n;
                answers.add(senders.submit(() -> instances.get(i % instances.size()).receive(signed(i)).status()));
            }
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> answer : answers) {
                statuses.add(answer.get(120, TimeUnit.SECONDS));
            }
            return statuses;
        } finally {
            senders.shutdownNow();
        }
    }

    @Test
    void twoConnectionsForFourWorkersRunEveryDeliveryOnceWhileHandlersOutlastTheLease() throws Exception {
        Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        HikariDataSource first = pool("refold-pool-a", 2);
        List<WebhookReceiver> instances = List.of(instance(first, runs, false),
                instance(pool("refold-pool-a", 2), runs, false));
        JdbcInboxStore reader = JdbcInboxStore.builder().dataSource(first).build();

        assertThat(deliverConcurrently(instances, 16)).containsOnly(200);

        await(() -> reader.stats().count(InboxState.DONE) == 16, 120);
        assertThat(runs).hasSize(16);
        assertThat(runs.values()).allSatisfy(count -> assertThat(count).hasValue(1));
    }

    // With 3 connections for 4 workers whose handlers each hold one, renewals waited for the pool past the lease and
    // the other instance ran 4 of 16 deliveries again (one of them three times): warned of at startup. With one
    // connection more than the workers, every delivery runs once.
    @Test
    void handlersThatHoldOneOfThePoolsConnectionsEachRunOnceWhenThePoolHasOneMoreThanTheWorkers() throws Exception {
        Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        HikariDataSource first = pool("refold-pool-b", 5);
        List<WebhookReceiver> instances = List.of(instance(first, runs, true),
                instance(pool("refold-pool-b", 5), runs, true));
        JdbcInboxStore reader = JdbcInboxStore.builder().dataSource(pool("refold-pool-b", 1)).build();

        assertThat(deliverConcurrently(instances, 16)).containsOnly(200);

        await(() -> reader.stats().count(InboxState.DONE) == 16, 180);
        assertThat(runs).hasSize(16);
        assertThat(runs.values()).allSatisfy(count -> assertThat(count).hasValue(1));
    }

    @Test
    void aPoolOfNoMoreConnectionsThanWorkersIsWarnedOfOnceAtStartupNamingBoth() {
        try (LogCapture capture = LogCapture.open()) {
            instance(pool("refold-pool-c", 5), new ConcurrentHashMap<>(), false);
            assertThat(capture.events()).noneMatch(event -> event.message().contains("connections"));

            instance(pool("refold-pool-c", 4), new ConcurrentHashMap<>(), false);

            List<CapturedEvent> warnings = capture.events().stream()
                    .filter(event -> event.level() == Level.WARN && event.message().contains("connections")).toList();
            assertThat(warnings).singleElement().satisfies(event -> {
                assertThat(event.logger()).isEqualTo("ai.refold.webhooks.receiver");
                assertThat(event.message()).contains("runs 4 workers on a pool of at most 4 connections",
                        "at least workers + 1 connections");
            });
        }
    }
}
