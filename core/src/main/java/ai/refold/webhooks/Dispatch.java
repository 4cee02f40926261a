package ai.refold.webhooks;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The second half of a delivery: runs the handlers an admitted event reaches and ends it, on the caller's thread
 * or, in acknowledge-fast mode, on an executor after answering 200. A queued delivery keeps its claim renewed, so
 * time spent waiting in the executor's queue never lets a copy take it over; a graceful {@link #close} lets queued
 * work finish and releases, with a log line naming each key, what it could not start in time.
 */
final class Dispatch {

    private final RouteTable routes;
    private final Executor acknowledgeFast;
    private final DeliveryLog log;
    private final Heartbeats heartbeats;
    private final ResumeThreads resumeThreads;
    private volatile boolean closing;

    Dispatch(RouteTable routes, Executor acknowledgeFast, DeliveryLog log, Heartbeats heartbeats,
             ResumeThreads resumeThreads) {
        this.routes = routes;
        this.acknowledgeFast = acknowledgeFast;
        this.log = log;
        this.heartbeats = heartbeats;
        this.resumeThreads = resumeThreads;
    }

    DeliveryResult dispatch(Admission admission) {
        if (!(admission instanceof Admission.Admitted admitted)) {
            return ((Admission.Answered) admission).result();
        }
        if (closing) {
            return shuttingDown(admitted);
        }
        if (acknowledgeFast == null) {
            // A shutdown may have cancelled the delivery since it was admitted: it then answers as one that came
            // after (its claim is already released).
            return admitted.start() ? run(admitted) : shuttingDown(admitted);
        }
        // An executor may run the task on this thread before execute returns (a direct executor, CallerRunsPolicy
        // under load): the outcome is then known, a failure included, and is the answer, as in a synchronous run.
        // (Only before execute returns: an event loop or a fork-join worker may run it later on this same thread.)
        Thread caller = Thread.currentThread();
        DeliveryResult[] ranHere = new DeliveryResult[1];
        boolean[] returned = new boolean[1];
        try {
            acknowledgeFast.execute(() -> {
                DeliveryResult result = admitted.start() ? run(admitted) : null;
                if (Thread.currentThread() == caller && !returned[0]) {
                    ranHere[0] = result != null ? result : shuttingDown(admitted);
                }
            });
        } catch (RuntimeException | Error e) {
            // Refused, or failed otherwise (never started, out of threads): the claim must not stay renewed for good.
            returned[0] = true;
            return ranHere[0] != null ? ranHere[0]
                    : admitted.refuse(Outcome.OVERLOADED, "receiver is overloaded; retry later", e);
        }
        returned[0] = true;
        return ranHere[0] != null ? ranHere[0] : log.log(admitted.result(Outcome.ACCEPTED, 200,
                "event accepted for processing"), admitted.startNanos(), null);
    }

    /**
     * Runs the handlers of an admitted event as {@link #dispatch} does, without waiting for a pending asynchronous
     * handler: the run resumes on {@code executor} when its stage completes, and the delivery ends there. Called on
     * a thread that may block (the store is called); the future completes with the answer.
     */
    CompletableFuture<DeliveryResult> dispatchAsync(Admission admission, Executor executor) {
        if (!(admission instanceof Admission.Admitted admitted) || closing || acknowledgeFast != null) {
            return CompletableFuture.completedFuture(dispatch(admission));
        }
        if (!admitted.start()) {
            return CompletableFuture.completedFuture(shuttingDown(admitted));
        }
        return HandlerRun.start(routes, admitted.event, admitted.context, log, admitted.done, executor, resumeThreads)
                .thenApply(failure -> failure == null ? admitted.end(200, null, admitted.done)
                        : admitted.end(500, failure.cause(), failure.succeeded()));
    }

    /** Answers a delivery that a shutdown kept from running: 503, to be retried (by another instance, maybe). */
    static DeliveryResult shuttingDown(Admission.Admitted admitted) {
        return admitted.refuse(Outcome.OVERLOADED, "receiver is shutting down; retry later", null);
    }

    boolean acknowledgesFast() {
        return acknowledgeFast != null;
    }

    /**
     * Stops taking deliveries (they are answered 503), waits up to {@code timeout} for those in flight, then
     * cancels those whose handlers have not started: their claims are released and their keys logged.
     *
     * @return how many deliveries were cancelled
     */
    int close(Duration timeout) throws InterruptedException {
        closing = true;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (hasUnended() && System.nanoTime() - deadline < 0) {
            TimeUnit.MILLISECONDS.sleep(10);
        }
        int cancelled = 0;
        for (Leased leased : heartbeats.inFlight()) {
            if (!(leased instanceof Completion completion)) {
                continue;
            }
            if (completion.cancel()) {
                cancelled++;
            } else if (!completion.isEnded()) {
                log.warn("refold delivery key={} was still running its handlers at shutdown: {}",
                        completion.context.idempotencyKey(), "if the process stops now, its claim expires and a"
                                + " later copy runs it again as a rerun");
            }
        }
        resumeThreads.shutdown();
        return cancelled;
    }

    /** Cancels, without waiting, every delivery whose handlers have not started. */
    void cancelAll() {
        closing = true;
        resumeThreads.shutdown();
        for (Leased leased : heartbeats.inFlight()) {
            if (leased instanceof Completion completion) {
                completion.cancel();
            }
        }
    }

    private boolean hasUnended() {
        List<Leased> inFlight = heartbeats.inFlight();
        for (Leased completion : inFlight) {
            if (completion instanceof Completion && !completion.isEnded()) {
                return true;
            }
        }
        return false;
    }

    private DeliveryResult run(Admission.Admitted admitted) {
        RouteTable.Failure failure = routes.run(admitted.event, admitted.context, log, admitted.done);
        return failure == null ? admitted.end(200, null, admitted.done)
                : admitted.end(500, failure.cause(), failure.succeeded());
    }
}
