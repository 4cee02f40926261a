package ai.refold.webhooks;

import ai.refold.webhooks.event.EventParser;
import ai.refold.webhooks.event.InvalidPayloadException;
import ai.refold.webhooks.event.WebhookEvent;
import ai.refold.webhooks.idempotency.InboxEntry;
import ai.refold.webhooks.idempotency.InboxState;
import ai.refold.webhooks.idempotency.InboxStore;
import ai.refold.webhooks.idempotency.RetryPolicy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * One inbox worker: takes a due entry with a lease (renewed by the heartbeats while its handlers run), runs the
 * handlers that have not yet succeeded for it, and records the outcome: done, due again after a backoff with full
 * jitter, or dead once the retry policy is spent. A failure of the store while recording is retried until the store
 * answers, the entry still held by the heartbeats; only at shutdown is it left to the lease, after which another
 * worker takes the entry again and runs it as a rerun, that lost attempt counted; one taken with no attempt left is
 * dead without running ({@link SpentAttempts}). Workers also run, first come first served, the deliveries their
 * instance's intake stored already taken and handed over.
 */
final class InboxWorker {

    /** What a worker is woken with, besides a {@link Handoff}. */
    enum Signal {
        /** Look for due entries in the store: one was stored due, or the inbox is closing. */
        LOOK
    }

    /**
     * A delivery stored already taken, to run at once by whichever worker is free first; its lease is renewed from
     * the moment it was stored. A worker runs an entry it took from the store as one too, with no event yet.
     *
     * @param entry the delivery as received
     * @param event its event, parsed on receipt; null for an entry taken from the store, parsed when it runs
     * @param run   its lease, registered with the heartbeats
     * @param slot  its heartbeat slot
     */
    record Handoff(InboxEntry entry, WebhookEvent event, InboxRun run, int slot) {

        /** Gives a handoff no worker started back to the store, due at once, and stops renewing its lease. */
        void giveBack(Heartbeats heartbeats) {
            drop(heartbeats);
            run.giveBack("at shutdown");
        }

        /** Stops renewing the lease: the entry ran, or will not run here. */
        void drop(Heartbeats heartbeats) {
            run.end();
            heartbeats.unregister(run, slot);
        }
    }

    /** Makes the workers of an inbox. */
    @FunctionalInterface
    interface Factory {
        InboxWorker create(Inbox inbox);
    }

    private final Inbox inbox;
    private final RouteTable routes;
    private final EventParser parser;
    private final DeliveryLog log;
    private final Heartbeats heartbeats;
    private final OwnerTokens owners;
    private final Duration lease;
    private final Claims retentions;
    private final StoreRetries.Pause pause;
    private final ErrorText errors;
    private final RandomGenerator random = RandomGenerator.getDefault();
    private volatile String current;

    InboxWorker(Inbox inbox, RouteTable routes, EventParser parser, DeliveryLog log, Claims claims,
                StoreRetries.Pause pause, ErrorText errors) {
        this.inbox = inbox;
        this.routes = routes;
        this.parser = parser;
        this.log = log;
        this.heartbeats = claims.heartbeats();
        this.owners = new OwnerTokens();
        this.lease = claims.lease();
        this.retentions = claims;
        this.pause = pause;
        this.errors = errors;
    }

    /** Runs deliveries handed over and takes and runs due entries, until the inbox closes or pauses. */
    void loop() {
        // Whether the store may hold due entries: at the start, after a LOOK, after a wait that ran out, and as long
        // as takes find some. Otherwise the worker waits for work without asking the store.
        boolean look = true;
        while (inbox.isTaking()) {
            Object next;
            try {
                next = inbox.nextWork(!look);
            } catch (InterruptedException e) {
                // Only close stops a worker: an interrupt (an executor shut down underneath, say) would otherwise end
                // it for good while deliveries are still handed over to this instance's workers.
                log.warn("refold inbox worker was interrupted{}; {}", "", "it goes on until the receiver closes");
                continue;
            }
            try {
                if (next instanceof Handoff handoff) {
                    if (stillHeld(handoff)) {
                        run(handoff);
                    }
                } else if (inbox.isTaking()) {
                    look = takeOne();
                }
            } catch (RuntimeException | Error e) {
                // An Error too (out of memory, a driver's linkage error): ended, this worker would be gone for good
                // while the intake goes on answering 200. Its entry, if any, is left to its lease. The next take waits
                // a poll interval, as after a store's RuntimeException: a store that keeps throwing is no hot loop.
                look = false;
                log.warn("refold inbox worker failed{}; it goes on: {}", "", e.toString());
            }
            // An interrupt a handler left behind belongs to its run, not to the next wait.
            Thread.interrupted();
        }
        while (inbox.drains() && drainOne()) {
            Thread.interrupted();
        }
    }

    // At the shutdown of an inbox that drains: runs one delivery handed over or due; false once there is none.
    private boolean drainOne() {
        try {
            Object next = inbox.nextWork(false);
            if (next instanceof Handoff handoff) {
                if (stillHeld(handoff)) {
                    run(handoff);
                }
                return true;
            }
            boolean storing = inbox.storing(); // read first: once none is, whatever they stored is there to take
            return takeOne() || inbox.queued() > 0 || storing && inbox.awaitStored(); // woken as the insert ends
        } catch (InterruptedException | RuntimeException | Error e) {
            log.warn("refold inbox worker stopped draining{}: {}", "", e.toString());
            return false;
        }
    }

    // A handoff that waited longer than a heartbeat's period is run only once the store confirms it is still this
    // instance's: its lease may have lapsed, or been left to lapse, and another instance may have taken it.
    private boolean stillHeld(Handoff handoff) {
        InboxRun run = handoff.run();
        boolean held = run.started() && !run.isLost();
        if (held && System.nanoTime() - run.startNanos() > heartbeats.periodNanos()) {
            try {
                held = inbox.store().renew(handoff.entry().key(), run.owner(), lease);
            } catch (RuntimeException e) {
                held = false;
            }
        }
        if (!held) {
            handoff.drop(heartbeats);
            log.warn("refold inbox key={} waited for a worker past its lease{}; it is left to the instance that took"
                    + " it, or to the next take", handoff.entry().key(), "");
        }
        return held;
    }

    // Takes one due entry and runs it; false if none was due or the store could not answer.
    private boolean takeOne() {
        String owner = owners.next();
        List<InboxEntry> taken;
        try {
            taken = inbox.take(owner);
        } catch (RuntimeException e) {
            log.warn("refold inbox could not take due deliveries{}: {}", "", e.toString());
            return false;
        }
        if (taken.isEmpty()) {
            return false;
        }
        InboxRun run = new InboxRun(inbox.store(), taken.get(0).key(), owner, lease, System.nanoTime(), log);
        run(new Handoff(taken.get(0), null, run, heartbeats.register(run)));
        return true;
    }

    /** Returns the key of the entry this worker is running, if any. */
    Optional<String> current() {
        return Optional.ofNullable(current);
    }

    // Runs an entry taken from the store (event null: parsed here) or handed over with its event, its lease renewed
    // by the heartbeats until it ends.
    private void run(Handoff work) {
        long start = System.nanoTime();
        InboxEntry entry = work.entry();
        InboxRun run = work.run();
        String owner = run.owner();
        run.started();
        current = entry.key();
        try {
            if (SpentAttempts.isSpent(entry, inbox.options().retries())) {
                run.recording();
                SpentAttempts.giveUp(entry, owner, inbox, log, this::recordWhileOpen, start);
                return;
            }
            WebhookEvent event = work.event();
            try {
                event = event != null ? event : parser.parse(entry.body());
            } catch (InvalidPayloadException e) {
                // Stored after it parsed; only changed read limits can refuse it now, and no retry will change that.
                record(entry, owner, run, InboxState.DEAD, entry.doneHandlers(), e, start);
                return;
            }
            DeliveryContext context = new DeliveryContext(entry.key(), entry.keyLabel(), entry.receivedAt(),
                    headers(entry.headers()), entry.rerun() ? DeliveryContext.Attempt.RERUN
                    : DeliveryContext.Attempt.FIRST);
            RouteTable.Failure failure = routes.run(event, context, log, entry.doneHandlers());
            if (failure == null) {
                record(entry, owner, run, InboxState.DONE, Set.of(), null, start);
            } else {
                boolean exhausted = inbox.options().retries().isExhausted(entry.attempts() + 1);
                record(entry, owner, run, exhausted ? InboxState.DEAD : InboxState.PENDING, failure.succeeded(),
                        failure.cause(), start);
            }
        } finally {
            current = null;
            work.drop(heartbeats);
        }
    }

    private void record(InboxEntry entry, String owner, InboxRun run, InboxState outcome, Set<String> done,
                        Throwable failure, long start) {
        run.recording();
        InboxStore store = inbox.store();
        String key = entry.key();
        int attempt = entry.attempts() + 1;
        RetryPolicy retries = inbox.options().retries();
        Duration delay = outcome == InboxState.PENDING ? retries.delayAfter(attempt, random) : Duration.ZERO;
        String error = failure == null ? null : errors.describe(failure);
        // An interrupt a handler left behind would end the first pause between tries; it is the handler's, and is
        // set again once the outcome is recorded.
        boolean interrupted = Thread.interrupted();
        boolean held;
        try {
            held = recordWhileOpen(key, () -> switch (outcome) {
                case DONE -> store.done(key, owner, retentions.retentionOf(key));
                case DEAD -> store.dead(key, owner, done, error);
                default -> store.retry(key, owner, delay, done, error);
            });
        } catch (RuntimeException e) {
            log.warn("refold inbox key={} ran but its outcome could not be recorded before shutdown; its lease runs"
                    + " out and it runs again as a rerun: {}", key, e.toString());
            return;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (!held && !run.isLost()) {
            log.warn("refold inbox key={} finished after another worker took it over: {}", key,
                    "that worker may run the handlers again");
        }
        log.inboxAttempt(key, attempt, outcome, delay, error, failure, System.nanoTime() - start);
    }

    // The handlers ran and nothing waits on this worker, so it keeps trying while the store is unreachable, past the
    // brief retries, its heartbeats renewing the lease whenever the store answers them: an outage shorter than what
    // was left of the lease ends with the outcome recorded once, not with the entry taken again and its handlers
    // rerun. Shutdown ends the trying.
    private boolean recordWhileOpen(String key, Supplier<Boolean> operation) {
        Duration[] pauses = StoreRetries.PAUSES;
        for (int attempt = 0; ; attempt++) {
            try {
                if (attempt > 0) {
                    pause.pause(pauses[Math.min(attempt, pauses.length) - 1]);
                }
                return operation.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while recording an outcome", e);
            } catch (RuntimeException e) {
                if (inbox.isClosing()) {
                    throw e;
                }
                if (attempt == pauses.length) {
                    log.warn("refold inbox key={} ran but the store cannot record its outcome; trying on while the"
                            + " worker holds it: {}", key, e.toString());
                }
            }
        }
    }

    private static Headers headers(Map<String, List<String>> stored) {
        Headers.Builder headers = Headers.builder();
        stored.forEach((name, values) -> values.forEach(value -> headers.add(name, value)));
        return headers.build();
    }
}
