package ai.refold.webhooks.idempotency;

import ai.refold.webhooks.test.EmbeddedPostgres;
import ai.refold.webhooks.idempotency.JdbcIdempotencyStore.Dialect;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The inbox against a real PostgreSQL server that the build starts on 127.0.0.1 and stops afterwards. */
class PostgresJdbcInboxStoreTest extends JdbcInboxStoreContract {

    private static EmbeddedPostgres server;

    @BeforeAll
    static void startServer() {
        server = EmbeddedPostgres.start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Override
    DataSource newDataSource() {
        return server.dataSource();
    }

    @Override
    Dialect dialect() {
        return Dialect.POSTGRESQL;
    }

    @Override
    List<String> secrets() {
        return List.of("jdbc:postgresql:", "127.0.0.1:" + server.port(), "user=postgres", "postgres");
    }

    // A worker's take reads the due rows in index order and stops at its limit. Sorting every due row instead made each
    // take cost as much as the backlog is long (4 ms at 20,000 rows, against 0.05 ms), just when a backlog must drain.
    @Test
    void aTakeFromALargeBacklogReadsTheDueRowsInIndexOrderInsteadOfSortingThemAll() throws SQLException {
        insertShuffledBacklog(10_000);

        StringBuilder plan = new StringBuilder();
        try (Connection connection = server.dataSource().getConnection();
             PreparedStatement explain = connection.prepareStatement("EXPLAIN "
                     + InboxStatements.of(Dialect.POSTGRESQL, TABLE).take())) {
            explain.setInt(1, 1);
            explain.setString(2, "owner");
            explain.setLong(3, 10_000);
            try (ResultSet rows = explain.executeQuery()) {
                while (rows.next()) {
                    plan.append(rows.getString(1)).append('\n');
                }
            }
        }

        assertThat(plan.toString()).contains("Index Scan using " + TABLE + "_due_at_idx").doesNotContain("Seq Scan");
    }

    // Offers that arrive while an insert runs share the next one (JdbcInboxStore groups them); each learns whether its
    // own row was stored, and of two offers of one key in one insert, the first stores it and the second is a
    // duplicate.
    @Test
    void offersCarriedByOneInsertEachLearnWhetherTheirOwnRowWasStored() {
        JdbcInboxStore store = groupingStore();

        boolean[] stored = writes().storeAll(List.of(
                InboxWrites.Offer.of("first", received("first", "{\"n\":1}"), "owner-1", 30_000),
                InboxWrites.Offer.of("second", received("second", "{\"n\":2}"), null, 0),
                InboxWrites.Offer.of("first", received("first", "{\"n\":3}"), null, 0)));

        assertThat(stored).containsExactly(true, true, false);
        InboxEntry first = store.find("first").orElseThrow();
        assertThat(first.state()).isEqualTo(InboxState.PROCESSING);
        assertThat(new String(first.body(), StandardCharsets.UTF_8)).isEqualTo("{\"n\":1}");
        assertThat(store.find("second").orElseThrow().state()).isEqualTo(InboxState.PENDING);
        assertThat(writes().storeAll(List.of(InboxWrites.Offer.of("second", received("second", "{}"), null, 0))))
                .containsExactly(false);
    }

    // A row the table refuses (a key label over its 200 characters) fails the insert that carries it; the failure is
    // judged a row's, so the grouped offers run again one at a time and only that one fails.
    @Test
    void anInsertThatFailsOnOneOfItsRowsIsJudgedARowFailure() {
        InboxEntry tooLong = InboxEntry.received("too-long", Optional.of("Workflow Errored"), "l".repeat(201),
                Map.of(), "{}".getBytes(StandardCharsets.UTF_8), Instant.parse("2026-11-01T09:30:00Z"));

        assertThatThrownBy(() -> writes().storeAll(List.of(InboxWrites.Offer.of("fine", received("fine", "{}"), null, 0),
                InboxWrites.Offer.of("too-long", tooLong, null, 0))))
                .isInstanceOfSatisfying(StoreUnavailableException.class, failure -> assertThat(
                        InboxWrites.isRowFailure(failure)).isTrue());
        assertThat(groupingStore().find("fine")).isEmpty();
    }

    @Test
    void completionsCarriedByOneUpdateEachMarkTheirEntryDoneOnlyWhileTheirOwnerHoldsIt() {
        JdbcInboxStore store = groupingStore();
        writes().storeAll(List.of(InboxWrites.Offer.of("held", received("held", "{}"), "owner-1", 30_000),
                InboxWrites.Offer.of("pending", received("pending", "{}"), null, 0)));

        boolean[] done = writes().doneAll(List.of(new InboxWrites.Completion("held", "owner-2", 60_000),
                new InboxWrites.Completion("held", "owner-1", 60_000),
                new InboxWrites.Completion("pending", "owner-1", 60_000)));

        assertThat(done).containsExactly(false, true, false);
        assertThat(store.find("held").orElseThrow().state()).isEqualTo(InboxState.DONE);
        assertThat(store.find("pending").orElseThrow().state()).isEqualTo(InboxState.PENDING);
    }

    // Through the public operations, with statements grouped as they come: every key is stored once, exactly one
    // offer of each is told it was stored, and each taken entry is marked done by its own owner only.
    @Test
    void concurrentOffersAndCompletionsOnOneStoreStoreEachKeyOnceAndTellExactlyOneOfferSo() throws Exception {
        JdbcInboxStore store = groupingStore();
        int threads = 12;
        int keys = 300;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<String>>> accepted = new ArrayList<>();
            CountDownLatch start = new CountDownLatch(1);
            for (int t = 0; t < threads; t++) {
                int thread = t;
                accepted.add(pool.submit(() -> {
                    start.await();
                    List<String> mine = new ArrayList<>();
                    for (int k = 0; k < keys; k++) {
                        // Every thread offers every key, each from its own starting point; a third offer them taken.
                        String key = "key-" + ((k + thread * keys / 3) % keys);
                        String owner = "owner-" + thread + "-" + k;
                        boolean taken = thread % 3 == 0;
                        boolean stored = taken ? store.offerTaken(received(key, "{}"), owner, Duration.ofMinutes(1))
                                : store.offer(received(key, "{}"));
                        if (stored) {
                            mine.add(key);
                            if (taken) {
                                assertThat(store.done(key, owner + "-other", Duration.ofDays(1))).isFalse();
                                assertThat(store.done(key, owner, Duration.ofDays(1))).isTrue();
                            }
                        }
                    }
                    return mine;
                }));
            }
            start.countDown();
            List<String> all = new ArrayList<>();
            for (Future<List<String>> thread : accepted) {
                all.addAll(thread.get(120, TimeUnit.SECONDS));
            }

            assertThat(all).hasSize(keys).doesNotHaveDuplicates();
            assertThat(count("state = 'DONE'") + count("state = 'PENDING'")).isEqualTo(keys);
            assertThat(count("state = 'PROCESSING'")).isZero();
        } finally {
            pool.shutdownNow();
        }
    }

    // The grouped writes on their own, to hand them batches as the store's grouping would.
    private static InboxWrites writes() {
        return new InboxWrites(new JdbcSession<>(JdbcInboxStore.KIND, server.dataSource(), TABLE, Dialect.POSTGRESQL,
                false, 0));
    }

    private JdbcInboxStore groupingStore() {
        JdbcInboxStore store = JdbcInboxStore.builder().dataSource(server.dataSource()).dialect(Dialect.POSTGRESQL)
                .build();
        store.stats(); // the dialect is known from the first operation on; only then are statements grouped
        return store;
    }

    private static InboxEntry received(String key, String body) {
        return InboxEntry.received(key, Optional.of("Workflow Errored"), "live",
                Map.of("content-type", List.of("application/json")), body.getBytes(StandardCharsets.UTF_8),
                Instant.parse("2026-11-01T09:30:00Z"));
    }

    @Override
    void stopDatabase() {
        server.stopServer();
    }

    @Override
    void startDatabase() {
        server.startServer();
    }
}
