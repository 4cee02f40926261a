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
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Inbox mode: persist, then acknowledge. A verified, parsed delivery is stored by one insert (a duplicate is
 * recognised by its key) and answered 200; only a durable insert is acknowledged, so a store that cannot answer
 * gets 503 and nothing is lost. Workers on every instance then take due entries, run the handlers and record the
 * outcome ({@link InboxWorker}). A delivery that finds one of this instance's workers idle is stored already taken by
 * it and handed over, so that it is run at once without being taken again; otherwise it is stored due, and an idle
 * worker, if one turns up, is woken to take it.
 */
final class Inbox {

    // Headers a handler has no business reading again from storage: the signature and credentials.
    private static final Set<String> NOT_STORED = Set.of("authorization", "proxy-authorization", "cookie");

    private final InboxStore store;
    private final InboxOptions options;
    private final String signatureHeader;
    private final DeliveryLog log;
    // Workers waiting for work, the last to wait first: an intake takes one out to hand it a delivery.
    private final ConcurrentLinkedDeque<InboxWorker> idle = new ConcurrentLinkedDeque<>();
    // Set when a delivery was stored due, so that a worker about to wait looks in the store first.
    private final AtomicBoolean storedDue = new AtomicBoolean();
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
        InboxWorker worker = closing || !store.storesTaken() ? null : idle.pollFirst();
        String owner = worker == null ? null : worker.newOwner();
        boolean accepted;
        try {
            accepted = worker == null ? store.offer(entry) : store.offerTaken(entry, owner, worker.lease());
        } catch (RuntimeException e) {
            if (worker != null) {
                worker.hand(InboxWorker.Signal.NOTHING);
            }
            return log.log(new DeliveryResult(Outcome.STORE_UNAVAILABLE, 503, "inbox is unavailable", event, key,
                    keyLabel, Map.of()), start, e);
        }
        if (worker != null) {
            worker.hand(accepted ? new InboxWorker.Handoff(entry, event, owner) : InboxWorker.Signal.NOTHING);
        } else if (accepted) {
            storedDue.set(true);
            InboxWorker woken = idle.pollFirst();
            if (woken != null) {
                woken.hand(InboxWorker.Signal.LOOK);
            }
        }
        if (accepted) {
            return log.log(new DeliveryResult(Outcome.ACCEPTED, 200, "event stored for processing", event, key,
                    keyLabel, Map.of()), start, null);
        }
        return log.log(new DeliveryResult(Outcome.DUPLICATE, 200, "event was already received", event, key,
                keyLabel, Map.of()), start, null);
    }

    /**
     * Waits, idle, up to the poll interval for work: returns a delivery handed over, {@link InboxWorker.Signal#LOOK}
     * to look for due entries in the store (one was stored, the wait ran out, or the inbox is closing), or
     * {@link InboxWorker.Signal#NOTHING} when a delivery meant for this worker turned out to be a duplicate.
     */
    Object awaitWork(InboxWorker worker) throws InterruptedException {
        idle.addFirst(worker);
        // The flag is set before an intake looks for an idle worker, and read after this worker became one: a
        // delivery stored due meanwhile is found either way.
        if (storedDue.getAndSet(false) || closing) {
            if (idle.remove(worker)) {
                return InboxWorker.Signal.LOOK;
            }
            storedDue.set(true);
        }
        Object work = worker.awaitHanded(options.pollInterval());
        if (work != null || !idle.remove(worker)) {
            // Not found idle any more: an intake took this worker out a moment ago, and its work is on the way.
            return work != null ? work : worker.awaitHanded(null);
        }
        return InboxWorker.Signal.LOOK;
    }

    /** Returns how many workers wait idle now. */
    int idleWorkers() {
        return idle.size();
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
        for (InboxWorker worker; (worker = idle.pollFirst()) != null; ) {
            worker.hand(InboxWorker.Signal.LOOK);
        }
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
