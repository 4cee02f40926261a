package ai.refold.webhooks;

import ai.refold.webhooks.event.WebhookEvent;
import ai.refold.webhooks.idempotency.InboxEntry;
import ai.refold.webhooks.idempotency.InboxState;
import ai.refold.webhooks.idempotency.InboxStats;
import ai.refold.webhooks.idempotency.InboxStore;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Inbox mode: persist, then acknowledge. A verified, parsed delivery is stored by one insert (a duplicate is
 * recognised by its key) and answered 200; only a durable insert is acknowledged, so a store that cannot answer
 * gets 503 and nothing is lost. Workers on every instance then take due entries, run the handlers and record the
 * outcome ({@link InboxWorker}). While fewer deliveries wait for this instance's workers than it has workers, a new
 * one is stored already taken and handed to the next free worker, which runs it without taking it again; past that
 * it is stored due, and a worker is woken to take it (or another instance's, whichever is free first).
 */
final class Inbox {

    private final InboxStore store;
    private final InboxOptions options;
    private final String signatureHeader;
    private final DeliveryLog log;
    private final Heartbeats heartbeats;
    private final Duration lease;
    private final OwnerTokens owners = new OwnerTokens();
    // What the workers wait for, first come first served: deliveries handed over, and a LOOK for each stored due.
    private final BlockingQueue<Object> work = new LinkedBlockingQueue<>();
    // Room for handed-over deliveries not yet started: one per worker, so that none waits behind more than one run.
    private final Semaphore handoffRoom;
    // LOOKs queued, at most one per worker: a take that finds a row goes on taking; more would only wake idle workers.
    private final AtomicInteger looks = new AtomicInteger();
    private final Intakes intakes = new Intakes(this::isClosing);
    private final List<InboxWorker> workers = new ArrayList<>();
    private final InboxLoops loops;
    // A store that is not durable (in memory) is lost with the process: at a graceful shutdown its workers drain it.
    private final boolean drainsAtClose;
    private volatile long drainDeadline;
    private volatile boolean closing;
    private volatile boolean paused;

    Inbox(InboxStore store, InboxOptions options, String signatureHeader, DeliveryLog log, Claims claims,
          InboxWorker.Factory workerFactory) {
        this.store = store;
        this.options = options;
        this.signatureHeader = signatureHeader;
        this.log = log;
        this.heartbeats = claims.heartbeats();
        this.lease = claims.lease();
        this.handoffRoom = new Semaphore(options.workers());
        this.drainsAtClose = !store.isDurable();
        for (int i = 0; i < options.workers(); i++) {
            workers.add(workerFactory.create(this));
        }
        this.loops = new InboxLoops(workers, options.executor().orElseGet(InboxLoops::ownThreads), this::isTaking);
        InboxLoops.warnIfPoolTooSmall(store, options.workers(), log);
    }

    /** Starts the workers' loops. */
    void start() {
        loops.start();
    }

    /**
     * Stops taking deliveries until {@link #resume}: the workers' runs in flight get up to {@code timeout} to finish,
     * and deliveries handed over but not started are given back, due at once. Deliveries that arrive meanwhile are
     * stored due. Returns whether every worker stopped in time (one still running stops once its run ends).
     */
    boolean pause(Duration timeout) throws InterruptedException {
        paused = true;
        wakeAll();
        try {
            return loops.awaitEnded(timeout);
        } finally {
            giveBackQueued();
        }
    }

    /** Takes deliveries again after {@link #pause}: restarts the workers that stopped; nothing once closing. */
    void resume() {
        if (!closing) {
            paused = false;
            loops.start();
        }
    }

    /**
     * Stores a verified delivery and answers it: 200 accepted or duplicate, or 503 if the store cannot answer or the
     * receiver is shutting down (no worker here would run it; Refold retries).
     */
    DeliveryResult intake(WebhookEvent event, String key, String keyLabel, Headers headers, byte[] body,
                          Instant receivedAt, long start) {
        intakes.begin();
        try {
            // Nothing stored and nothing claimed: retry soon, on another instance or after the restart.
            return closing ? log.log(new DeliveryResult(Outcome.OVERLOADED, 503, "receiver is shutting down; retry"
                    + " later", event, key, keyLabel, RefusalHeaders.RETRY_SOON), start, null)
                    : store(event, key, keyLabel, headers, body, receivedAt, start);
        } finally {
            intakes.end();
        }
    }

    private DeliveryResult store(WebhookEvent event, String key, String keyLabel, Headers headers, byte[] body,
                                 Instant receivedAt, long start) {
        Optional<String> ordering = options.orderPerLinkedAccount() ? InboxEntries.orderingKey(event)
                : Optional.empty();
        // To the microsecond, as a database keeps it: every attempt reads the same time, and every store orders by it.
        InboxEntry entry = InboxEntry.received(key, event.eventType().map(type -> type.wireName()), keyLabel,
                InboxEntries.stored(headers, signatureHeader), body, receivedAt.truncatedTo(ChronoUnit.MICROS),
                ordering);
        // An ordered delivery may have to wait for an earlier one of its account: only a take can tell.
        boolean handing = isTaking() && ordering.isEmpty() && store.storesTaken() && handoffRoom.tryAcquire();
        boolean accepted;
        boolean queued = false;
        try {
            String owner = handing ? owners.next() : null;
            accepted = handing ? store.offerTaken(entry, owner, lease) : store.offer(entry);
            queued = accepted && handing && handOver(entry, event, owner);
        } catch (RuntimeException e) {
            return log.log(new DeliveryResult(Outcome.STORE_UNAVAILABLE, 503, "inbox is unavailable", event, key,
                    keyLabel, Map.of()), start, e);
        } finally {
            if (handing && !queued) {
                handoffRoom.release();
            }
        }
        if (accepted && !handing) {
            wake(options.workers());
        }
        if (accepted) {
            return log.log(new DeliveryResult(Outcome.ACCEPTED, 200, "event stored for processing", event, key,
                    keyLabel, Map.of()), start, null);
        }
        return log.log(new DeliveryResult(Outcome.DUPLICATE, 200, "event was already received", event, key,
                keyLabel, Map.of()), start, null);
    }

    // Queues a delivery stored taken for the first free worker, its run and lease starting now, not when the request
    // began. Had close drained the queue meanwhile, it is given back at once instead (close sets closing first).
    private boolean handOver(InboxEntry entry, WebhookEvent event, String owner) {
        InboxRun run = new InboxRun(store, entry.key(), owner, lease, System.nanoTime(), log);
        InboxWorker.Handoff handoff = new InboxWorker.Handoff(entry, event, run, heartbeats.register(run));
        work.add(handoff);
        if (!isTaking() && work.remove(handoff)) {
            handoff.giveBack(heartbeats);
            return false;
        }
        return true;
    }

    /**
     * Returns the next thing for a worker to do: a delivery handed over, {@link InboxWorker.Signal#LOOK} for one
     * stored due, or null if none came; waits up to the poll interval for it if {@code wait}, else not at all.
     */
    Object nextWork(boolean wait) throws InterruptedException {
        Object next = wait ? work.poll(options.pollInterval().toMillis(), TimeUnit.MILLISECONDS) : work.poll();
        if (next instanceof InboxWorker.Handoff handoff) {
            handoffRoom.release();
            if (closing && !drains()) { // close stopped waiting for the workers: given back, as the queue is
                handoff.giveBack(heartbeats);
                return null;
            }
        } else if (next == InboxWorker.Signal.LOOK) {
            looks.decrementAndGet();
        }
        return next;
    }

    // Takes one due entry for a worker; once close stopped waiting for the workers, what it got is given back instead.
    List<InboxEntry> take(String owner) {
        List<InboxEntry> taken = store.take(owner, 1, lease);
        if (taken.isEmpty() || !closing || drains()) {
            return taken;
        }
        store.release(taken.get(0).key(), owner);
        return List.of();
    }

    // Wakes every worker, whatever is queued: each looks at whether the inbox still takes.
    private void wakeAll() {
        for (int i = 0; i < options.workers(); i++) {
            wake(Integer.MAX_VALUE);
        }
    }

    // Empties the workers' queue: what was handed over but never started is due again at once, not after its lease.
    private void giveBackQueued() {
        for (Object next; (next = work.poll()) != null; ) {
            if (next instanceof InboxWorker.Handoff handoff) {
                handoffRoom.release();
                handoff.giveBack(heartbeats);
            } else if (next == InboxWorker.Signal.LOOK) {
                looks.decrementAndGet();
            }
        }
    }

    // Queues a LOOK unless `most` are queued already.
    private void wake(int most) {
        for (int queued = looks.get(); queued < most; queued = looks.get()) {
            if (looks.compareAndSet(queued, queued + 1)) {
                work.add(InboxWorker.Signal.LOOK);
                return;
            }
        }
    }

    /** Returns how many things wait in the workers' queue now: handed-over deliveries and LOOKs. */
    int queued() {
        return work.size();
    }

    /** Returns how many handed-over deliveries wait for a worker now. */
    int waitingHandoffs() {
        return options.workers() - handoffRoom.availablePermits();
    }

    boolean isClosing() {
        return closing;
    }

    /** Returns whether workers take deliveries: neither closing nor paused. */
    boolean isTaking() {
        return !closing && !paused;
    }

    /** Returns whether a worker that stopped taking for the shutdown still runs what is handed over or due. */
    boolean drains() {
        return closing && drainsAtClose && System.nanoTime() - drainDeadline < 0;
    }

    /** Returns whether a delivery is being stored now (one that passed the closing check may still be). */
    boolean storing() {
        return intakes.any();
    }

    /** Waits, draining, until no delivery is being stored or the drain's time is up; returns true, to go on. */
    boolean awaitStored() throws InterruptedException {
        intakes.awaitNone(drainDeadline);
        return true;
    }

    InboxStore store() {
        return store;
    }

    InboxOptions options() {
        return options;
    }

    /**
     * Stops taking deliveries, lets the runs in flight finish within {@code timeout}, and names those still running
     * (their leases run out, and another instance takes them again as reruns). Entries never taken stay stored; an
     * in-memory store's are run first, within the timeout, and those left (waiting for a retry, say) are counted in a
     * WARN: they are lost with the process.
     */
    void close(Duration timeout) throws InterruptedException {
        drainDeadline = InboxLoops.deadline(timeout);
        closing = true;
        wakeAll();
        if (drainsAtClose && paused) {
            // What an in-memory store holds, or got back at the pause, is otherwise lost with the process.
            loops.restartToDrain(log);
        }
        boolean stoppedInTime = false;
        try {
            stoppedInTime = loops.awaitEnded(timeout);
        } finally {
            giveBackQueued();
        }
        if (!stoppedInTime) {
            for (InboxWorker worker : workers) {
                worker.current().ifPresent(key -> log.warn("refold inbox key={} was still running its handlers at"
                        + " shutdown: {}", key, "its lease runs out and another instance runs it again as a rerun"));
            }
        }
        if (drainsAtClose) {
            InboxStats left = store.stats();
            long unrun = left.count(InboxState.PENDING) + left.count(InboxState.PROCESSING);
            if (unrun > 0) {
                log.warn("refold inbox closed with {} deliveries in memory not yet handled (waiting for a retry, or"
                        + " still running): {}", Long.toString(unrun), "they are lost with the process");
            }
        }
    }
}
