package ai.refold.webhooks.cli;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.idempotency.InboxEntry;
import ai.refold.webhooks.idempotency.InboxState;
import ai.refold.webhooks.idempotency.JdbcInboxStore;
import ai.refold.webhooks.test.SamplePayloads;

import org.h2.jdbcx.JdbcDataSource;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An H2 file database holding a receiver's inbox table, as a receiver in inbox mode leaves it: entries are stored,
 * taken by a worker and, after their last failed attempt, marked dead. The tool opens the file once this class's
 * connections are closed (each operation of the store closes its own).
 */
final class DeadLetterDatabase {

    static final String ERRORED_KEY = "workflow-errored:test:656f308b9144bb8f183bfc7b";
    static final String EXPIRED_KEY = "connection-expired:test:12345:pipedrive:Tue, 07 Nov 2023 08:38:33 GMT";
    static final String PENDING_KEY = "workflow-completed:test:656f30f69144bb8f183c0118";
    static final String USER = "inbox";
    // The value of a subscription's custom header (webhook_headers), as a receiver's credential often is; the inbox
    // keeps such headers for the handlers.
    static final String RECEIVER_TOKEN = "receiver-token-not-real";

    private final String url;
    private final JdbcInboxStore store;

    private DeadLetterDatabase(Path directory, String password) {
        url = "jdbc:h2:" + directory.resolve("inbox").toAbsolutePath();
        JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL(url);
        dataSource.setUser(USER);
        dataSource.setPassword(password);
        store = JdbcInboxStore.builder().dataSource(dataSource).createTableIfMissing(true).build();
    }

    /**
     * Creates the database in {@code directory}: a dead Workflow Errored received at 2026-06-16T10:00:00Z, a dead
     * Connection Expired received at 12:00, and a pending Workflow Completed; each with the headers User-Agent and
     * X-Receiver-Token ({@link #RECEIVER_TOKEN}).
     */
    static DeadLetterDatabase create(Path directory, String password) {
        return create(directory, password, "java.lang.IllegalStateException: the CRM is down");
    }

    /** Creates the database as {@link #create(Path, String)} does, with {@code lastError} as the Workflow Errored's. */
    static DeadLetterDatabase create(Path directory, String password, String lastError) {
        DeadLetterDatabase database = new DeadLetterDatabase(directory, password);
        database.dead(ERRORED_KEY, EventType.WORKFLOW_ERRORED, Instant.parse("2026-06-16T10:00:00Z"), lastError);
        database.dead(EXPIRED_KEY, EventType.CONNECTION_EXPIRED, Instant.parse("2026-06-16T12:00:00Z"),
                "java.lang.IllegalStateException: the CRM is down");
        database.store.offer(entry(PENDING_KEY, EventType.WORKFLOW_COMPLETED, Instant.parse("2026-06-16T13:00:00Z")));
        return database;
    }

    String url() {
        return url;
    }

    InboxState state(String key) {
        return store.find(key).map(InboxEntry::state).orElse(null);
    }

    private void dead(String key, EventType type, Instant receivedAt, String lastError) {
        store.offer(entry(key, type, receivedAt));
        List<InboxEntry> taken = store.take("test-worker", 1, Duration.ofMinutes(1));
        if (taken.size() != 1 || !taken.get(0).key().equals(key)) {
            throw new IllegalStateException("expected to take " + key + " but took " + taken);
        }
        store.dead(key, "test-worker", Set.of("#1"), lastError);
    }

    private static InboxEntry entry(String key, EventType type, Instant receivedAt) {
        return InboxEntry.received(key, Optional.of(type.wireName()), "test",
                Map.of("User-Agent", List.of("Refold"), "X-Receiver-Token", List.of(RECEIVER_TOKEN)),
                SamplePayloads.of(type), receivedAt);
    }
}
