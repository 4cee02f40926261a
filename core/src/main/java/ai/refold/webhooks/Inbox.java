package ai.refold.webhooks;

import ai.refold.webhooks.event.WebhookEvent;
import ai.refold.webhooks.idempotency.InboxEntry;
import ai.refold.webhooks.idempotency.InboxStore;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Inbox mode: persist, then acknowledge. A verified, parsed delivery is stored by one insert (a duplicate is
 * recognised by its key) and answered 200; only a durable insert is acknowledged, so a store that cannot answer
 * gets 503 and nothing is lost. Workers on every instance then take due entries, run the handlers and record the
 * outcome ({@link InboxWorker}); the instance that stored an entry wakes one of its workers at once.
 */
final class Inbox {

    // Headers a handler has no business reading again from storage: the signature and credentials.
    private static final Set<String> NOT_STORED = Set.of("authorization", "proxy-authorization", "cookie");

    private final InboxStore store;
    private final InboxOptions options;
    private final String signatureHeader;
    private final DeliveryLog log;
    private final Semaphore work = new Semaphore(0);
    private final List<InboxWorker> workers = new ArrayList<>();
    private final CountDownLatch stopped;
    private volatile boolean closing;

    Inbox(InboxStore store, InboxOptions options, String signatureHeader, DeliveryLog log,
          InboxWorker.Factory workerFactory) {
        this.store = store;
        this.options = options;
        this.signatureHeader = signatureHeader;
        this.log = log;
        this.stopped = new CountDownLatch(options.workers());
        for (int i = 0; i < options.workers(); i++) {
            workers.add(workerFactory.create(this));
        }
    }

    /** Starts the workers' loops. */
    void start() {
        Executor executor = options.executor().orElse(task -> {
            Thread thread = new Thread(task, "refold-webhook-inbox");
            thread.setDaemon(true);
            thread.start();
        });
        for (InboxWorker worker : workers) {
            executor.execute(() -> {
                try {
                    worker.loop();
                } finally {
                    stopped.countDown();
                }
            });
        }
    }

    /** Stores a verified delivery and answers it: 200 accepted or duplicate, or 503 if the store cannot answer. */
    DeliveryResult intake(WebhookEvent event, String key, String keyLabel, Headers headers, byte[] body,
                          Instant receivedAt, long start) {
        InboxEntry entry = InboxEntry.received(key, event.eventType().map(type -> type.wireName()), keyLabel,
                stored(headers), body, receivedAt);
        boolean accepted;
        try {
            accepted = store.offer(entry);
        } catch (RuntimeException e) {
            return log.log(new DeliveryResult(Outcome.STORE_UNAVAILABLE, 503, "inbox is unavailable", event, key,
                    keyLabel, Map.of()), start, e);
        }
        if (accepted) {
            work.release();
            return log.log(new DeliveryResult(Outcome.ACCEPTED, 200, "event stored for processing", event, key,
                    keyLabel, Map.of()), start, null);
        }
        return log.log(new DeliveryResult(Outcome.DUPLICATE, 200, "event was already received", event, key,
                keyLabel, Map.of()), start, null);
    }

    /** Waits up to the poll interval for a delivery to be stored here; false once the inbox is closing. */
    boolean awaitWork() {
        try {
            work.tryAcquire(options.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
            work.drainPermits();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return !closing;
    }

    boolean isClosing() {
        return closing;
    }

    InboxStore store() {
        return store;
    }

    InboxOptions options() {
        return options;
    }

    /**
     * Stops taking deliveries, lets the runs in flight finish within {@code timeout}, and names those still running
     * (their leases run out, and another instance takes them again as reruns). Entries never taken stay stored.
     */
    void close(Duration timeout) throws InterruptedException {
        closing = true;
        work.release(options.workers());
        if (!stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            for (InboxWorker worker : workers) {
                worker.current().ifPresent(key -> log.warn("refold inbox key={} was still running its handlers at"
                        + " shutdown: {}", key, "its lease runs out and another instance runs it again as a rerun"));
            }
        }
    }

    // The headers handlers may read later, names lower-cased: not the signature, not credentials.
    private Map<String, List<String>> stored(Headers headers) {
        Map<String, List<String>> kept = new TreeMap<>();
        for (String name : headers.names()) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!lower.equals(signatureHeader) && !NOT_STORED.contains(lower)) {
                kept.put(lower, headers.all(name));
            }
        }
        return kept;
    }
}
