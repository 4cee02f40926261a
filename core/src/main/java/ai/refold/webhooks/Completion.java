package ai.refold.webhooks;

import ai.refold.webhooks.event.WebhookEvent;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * A claimed delivery from its claim to its end, reached exactly once: a 2xx status completes the claim, anything
 * else releases it (remembering the handlers that succeeded) so that Refold's retry processes the event again;
 * either way the result is logged. While it lasts, its claim is renewed by the heartbeats. It knows the store and
 * the log, never the receiver that made it.
 */
abstract class Completion implements Leased {

    private static final AtomicIntegerFieldUpdater<Completion> PHASE =
            AtomicIntegerFieldUpdater.newUpdater(Completion.class, "phase");
    // Phase bits: none set while admitted (queued); RUNNING once handlers start; CANCELLED at shutdown.
    private static final int RUNNING = 1;
    private static final int CANCELLED = 2;
    // Flags kept beside the phase so the object stays small: a heartbeat found the claim taken over; the delivery
    // was ended (by end, refuse or cancel), exactly once.
    private static final int LOST = 4;
    private static final int ENDED = 8;
    // A delivery leaves the heartbeats once, when it ends or loses its claim, never twice, so that end may free its
    // slot with a plain store. ENDED is set once (by end, refuse or cancel, each only if it was clear) and so is LOST
    // (by renew, only if ENDED was clear), and both are bits of this one word, changed only by compare-and-set:
    // whichever is set first finds the other clear and unregisters, and the second finds the first set and does not.
    // A heartbeat or a shutdown may have found the delivery before its constructor stored its slot, so they
    // unregister by looking it up.

    final WebhookEvent event;
    final DeliveryContext context;
    final Set<String> done;
    private final long startNanos;
    private final Claims claims;
    private final int slot;
    private final String owner;
    private volatile int phase;

    Completion(WebhookEvent event, DeliveryContext context, Set<String> done, String owner, long startNanos,
               Claims claims) {
        this.event = event;
        this.context = context;
        this.done = done;
        this.owner = owner;
        this.startNanos = startNanos;
        this.claims = claims;
        this.slot = claims.heartbeats().register(this);
    }

    /**
     * Ends the delivery with the status the handlers or the application reached, or with what they threw.
     *
     * @param succeeded every handler of the event that has succeeded, this attempt's and earlier ones'; used when
     *                  the delivery fails, so that the retry runs only the others
     * @throws IllegalStateException if it was already ended
     */
    final DeliveryResult end(int status, Throwable failure, Set<String> succeeded) {
        return end(status, failure, succeeded, false);
    }

    /** As {@link #end(int, Throwable, Set)}; a failure its caller rethrows ({@code rethrown}) is logged untraced. */
    final DeliveryResult end(int status, Throwable failure, Set<String> succeeded, boolean rethrown) {
        int before = setUnless(ENDED, ENDED);
        if ((before & ENDED) != 0) {
            throw new IllegalStateException("the delivery was already ended");
        }
        String key = context.idempotencyKey();
        // The claim stays renewed until the store has the outcome: completion's retries may outlast what is left
        // of the lease, and a copy must not take over a delivery whose handlers already ran.
        try {
            if (failure == null && status >= 200 && status < 300) {
                claims.complete(key, owner, (before & LOST) != 0);
                return claims.log().log(result(Outcome.PROCESSED, status, "event processed"), startNanos, null);
            }
            claims.release(key, owner, succeeded, context.attempt(), true);
        } finally {
            unregisterEnded(before);
        }
        String message = failure != null ? "handler failed; the event will be retried"
                : "application answered " + status + "; the event will be retried";
        int answered = failure != null || status < 400 ? 500 : status;
        DeliveryResult result = result(Outcome.HANDLER_FAILED, answered, message);
        return rethrown && failure != null ? claims.log().logRethrown(result, startNanos, failure)
                : claims.log().log(result, startNanos, failure);
    }

    /**
     * Gives the claim back without running anything, when the work could not even be started. A delivery that a
     * shutdown cancelled meanwhile has given its claim back already, and is only answered.
     *
     * @throws IllegalStateException if it was already ended otherwise
     */
    final DeliveryResult refuse(Outcome outcome, String message, Throwable cause) {
        int before = setUnless(ENDED, ENDED);
        if ((before & ENDED) == 0) {
            unregisterEnded(before);
            claims.release(context.idempotencyKey(), owner, done, context.attempt());
        } else if ((before & CANCELLED) == 0) {
            throw new IllegalStateException("the delivery was already ended");
        } else {
            // Cancelled: the listeners were told its fate then, once.
            return claims.log().line(result(outcome, outcome.httpStatus(), message), startNanos, cause);
        }
        return claims.log().log(result(outcome, outcome.httpStatus(), message), startNanos, cause);
    }

    /** Returns the result of this delivery with {@code outcome}, without ending it. */
    final DeliveryResult result(Outcome outcome, int status, String message) {
        return new DeliveryResult(outcome, status, message, event, context.idempotencyKey(), context.keyLabel(),
                Map.of());
    }

    /** Marks the handlers as started; false if the delivery was cancelled first (at shutdown). */
    final boolean start() {
        return (setUnless(RUNNING, CANCELLED | ENDED) & (CANCELLED | ENDED)) == 0;
    }

    /**
     * Cancels a delivery whose handlers have not started: releases its claim and logs its key, since its sender
     * may already have been told it was accepted. Returns false if the handlers started or it already ended.
     */
    final boolean cancel() {
        int before = setUnless(CANCELLED | ENDED, RUNNING | CANCELLED | ENDED);
        if ((before & (RUNNING | CANCELLED | ENDED)) != 0) {
            return false;
        }
        if ((before & LOST) == 0) {
            claims.heartbeats().unregisterFound(this, slot);
        }
        claims.release(context.idempotencyKey(), owner, done, context.attempt());
        claims.log().warn("refold delivery key={} was accepted but not yet handled at shutdown; its claim is"
                + " released and {}", context.idempotencyKey(), "it runs again only if the event is delivered again");
        claims.log().fate(result(Outcome.OVERLOADED, Outcome.OVERLOADED.httpStatus(), "receiver shut down before the"
                + " handlers started; the claim is released"), startNanos);
        return true;
    }

    /** Renews the claim, as a heartbeat; a claim found taken over is logged once. */
    @Override
    public final void renew() {
        if ((phase & LOST) != 0) {
            return;
        }
        try {
            if (!claims.renew(context.idempotencyKey(), owner)
                    && (setUnless(LOST, LOST | ENDED) & (LOST | ENDED)) == 0) {
                claims.heartbeats().unregisterFound(this, slot);
                claims.log().warn("refold delivery key={} lost its claim while its handlers ran: {}",
                        context.idempotencyKey(), "another delivery took it over, and may run them too");
            }
        } catch (RuntimeException e) {
            claims.log().warn("refold delivery key={} could not renew its claim: {}", context.idempotencyKey(),
                    e.toString());
        }
    }

    @Override
    public final long startNanos() {
        return startNanos;
    }

    @Override
    public final boolean isEnded() {
        return (phase & ENDED) != 0;
    }

    // Sets the bits of set unless one of unless is set; returns the phase before, whether or not it changed. Most
    // transitions meet no other, and cost one compare-and-set.
    private int setUnless(int set, int unless) {
        while (true) {
            int before = phase;
            if ((before & unless) != 0 || PHASE.compareAndSet(this, before, before | set)) {
                return before;
            }
        }
    }

    // Stops the heartbeats of a delivery this thread has just ended, on the thread that made it or was handed it, so
    // that its slot is known; unless a heartbeat that found its claim lost already did.
    private void unregisterEnded(int before) {
        if ((before & LOST) == 0) {
            claims.heartbeats().unregister(this, slot);
        }
    }
}
