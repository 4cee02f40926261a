package ai.refold.webhooks;

import ai.refold.webhooks.event.WorkflowCompleted;
import ai.refold.webhooks.idempotency.InboxState;
import ai.refold.webhooks.idempotency.JdbcIdempotencyStore.Dialect;
import ai.refold.webhooks.idempotency.JdbcInboxStore;
import ai.refold.webhooks.idempotency.SharedPostgres;
import ai.refold.webhooks.test.hardening.HostileRequests;
import ai.refold.webhooks.test.TestDeliveries;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/inbox.md on the PostgreSQL data sources an adopter really has: connections that are not autocommit, the table
 * in a schema of its own (through {@code currentSchema}, the table name being a plain identifier), a read-only
 * replica configured by mistake.
 */
class PostgresInboxDataSourceTest {

    private static final String API_KEY = "inbox-datasource-api-key-0123456789";
    private static final AtomicInteger SCHEMAS = new AtomicInteger();
    private final List<HikariDataSource> pools = new ArrayList<>();
    private final List<WebhookReceiver> receivers = new ArrayList<>();
    private final List<String> runs = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        receivers.forEach(receiver -> receiver.close(Duration.ofSeconds(10)));
        pools.forEach(HikariDataSource::close);
    }

    private HikariDataSource pool(SharedPostgres database, String parameters, boolean autoCommit) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(database.jdbcUrl() + parameters);
        config.setUsername(database.user());
        config.setMaximumPoolSize(5);
        config.setAutoCommit(autoCommit);
        HikariDataSource pool = new HikariDataSource(config);
        pools.add(pool);
        return pool;
    }

    private WebhookReceiver receiver(JdbcInboxStore store) {
        WebhookReceiver receiver = WebhookReceiver.builder().signingKey("live", API_KEY)
                .inbox(store, InboxOptions.defaults().withPollInterval(Duration.ofMillis(50)))
                .on(WorkflowCompleted.class, (event, context) -> runs.add(event.instanceId()))
                .build();
        receivers.add(receiver);
        return receiver;
    }

    private static DeliveryRequest delivery(String id) {
        return TestDeliveries.withKey(API_KEY).of(HostileRequests.workflow(id));
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("waited 60 s").isNegative();
            Thread.sleep(20);
        }
    }

    private static void execute(HikariDataSource pool, String... sql) throws Exception {
        try (Connection connection = pool.getConnection(); Statement statement = connection.createStatement()) {
            for (String each : sql) {
                statement.execute(each);
            }
            if (!connection.getAutoCommit()) {
                connection.commit();
            }
        }
    }

    @Test
    void connectionsThatAreNotAutocommitStoreTakeAndRecordEveryDelivery() throws Exception {
        try (SharedPostgres database = SharedPostgres.withFreshTable()) {
            HikariDataSource manual = pool(database, "", false);
            JdbcInboxStore store = JdbcInboxStore.builder().dataSource(manual).tableName(database.tableName()
                    + "_inbox").dialect(Dialect.POSTGRESQL).createTableIfMissing(true).build();
            WebhookReceiver receiver = receiver(store);

            for (int i = 0; i < 6; i++) {
                assertThat(receiver.receive(delivery("manual-" + i)).status()).isEqualTo(200);
            }
            assertThat(receiver.receive(delivery("manual-0")).outcome()).isEqualTo(Outcome.DUPLICATE);

            JdbcInboxStore reader = JdbcInboxStore.builder().dataSource(pool(database, "", true))
                    .tableName(database.tableName() + "_inbox").build();
            await(() -> reader.stats().count(InboxState.DONE) == 6);
            assertThat(runs).hasSize(6).doesNotHaveDuplicates();
        }
    }

    // Two schemas, one table name: the store's own (through currentSchema) predates ordering_key, another schema's
    // has it. The upgrade must look for the column in the store's table, not in any table of that name.
    @Test
    void anOlderTableInTheStoresOwnSchemaGetsItsNewColumnThoughAnotherSchemasTableOfThatNameHasIt() throws Exception {
        try (SharedPostgres database = SharedPostgres.withFreshTable()) {
            String table = database.tableName() + "_inbox";
            String schema = "refold_tenant_" + SCHEMAS.incrementAndGet();
            HikariDataSource admin = pool(database, "", true);
            JdbcInboxStore.builder().dataSource(admin).tableName(table).createTableIfMissing(true).build().stats();
            execute(admin, "CREATE SCHEMA " + schema, "CREATE TABLE " + schema + "." + table + " ("
                    + "idempotency_key VARCHAR(200) NOT NULL PRIMARY KEY, event_type VARCHAR(100),"
                    + " key_label VARCHAR(200) NOT NULL, headers VARCHAR NOT NULL, body BYTEA NOT NULL,"
                    + " received_at TIMESTAMP WITH TIME ZONE NOT NULL, state VARCHAR(16) NOT NULL,"
                    + " attempts INTEGER NOT NULL, next_attempt_at TIMESTAMP WITH TIME ZONE NOT NULL,"
                    + " owner_token VARCHAR(200), rerun BOOLEAN NOT NULL, done_handlers VARCHAR,"
                    + " last_error VARCHAR(1000))");

            JdbcInboxStore tenant = JdbcInboxStore.builder().dataSource(pool(database, "?currentSchema=" + schema,
                    true)).tableName(table).createTableIfMissing(true).build();
            assertThat(receiver(tenant).receive(delivery("tenant-1")).status()).isEqualTo(200);

            await(() -> tenant.stats().count(InboxState.DONE) == 1);
            try (Connection connection = admin.getConnection(); Statement statement = connection.createStatement();
                 ResultSet rows = statement.executeQuery("SELECT count(*) FROM " + schema + "." + table)) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getInt(1)).as("the row is in the tenant's schema").isEqualTo(1);
            }
        }
    }

    @Test
    void aReadOnlyReplicaAnswers503AndStoresNothing() throws Exception {
        try (SharedPostgres database = SharedPostgres.withFreshTable()) {
            String table = database.tableName() + "_inbox";
            JdbcInboxStore.builder().dataSource(pool(database, "", true)).tableName(table)
                    .createTableIfMissing(true).build().stats();
            JdbcInboxStore replica = JdbcInboxStore.builder().dataSource(pool(database,
                    "?options=-c%20default_transaction_read_only=on", true)).tableName(table).build();

            DeliveryResult answer = receiver(replica).receive(delivery("replica-1"));

            assertThat(answer.status()).isEqualTo(503);
            assertThat(answer.outcome()).isEqualTo(Outcome.STORE_UNAVAILABLE);
            assertThat(replica.stats().count(InboxState.PENDING) + replica.stats().count(InboxState.PROCESSING))
                    .isZero();
        }
    }

    // A write transaction open on the table (a DBA's UPDATE, a replay in a transaction): an instance starting with
    // createTableIfMissing on the up-to-date table must store at once, not queue a SHARE lock behind it (CREATE INDEX
    // IF NOT EXISTS takes one before it finds the index there), which every other writer would then queue behind.
    @Test
    void anInstanceStartingWhileAWriteTransactionIsOpenOnTheTableStoresWithoutWaitingForIt() throws Exception {
        try (SharedPostgres database = SharedPostgres.withFreshTable()) {
            String table = database.tableName() + "_inbox";
            HikariDataSource admin = pool(database, "", true);
            JdbcInboxStore first = JdbcInboxStore.builder().dataSource(admin).tableName(table)
                    .createTableIfMissing(true).build();
            assertThat(receiver(first).receive(delivery("before")).status()).isEqualTo(200);
            java.util.concurrent.ExecutorService starter = java.util.concurrent.Executors.newSingleThreadExecutor();
            try (Connection writer = pool(database, "", false).getConnection();
                 Statement statement = writer.createStatement()) {
                statement.executeUpdate("UPDATE " + table + " SET last_error = last_error");
                JdbcInboxStore starting = JdbcInboxStore.builder().dataSource(pool(database, "", true))
                        .tableName(table).createTableIfMissing(true).queryTimeout(Duration.ofSeconds(20)).build();
                java.util.concurrent.Future<Integer> answer = starter.submit(() -> receiver(starting)
                        .receive(delivery("during")).status());

                assertThat(answer.get(10, TimeUnit.SECONDS)).isEqualTo(200);
                writer.rollback();
            } finally {
                starter.shutdownNow();
            }
        }
    }
}
