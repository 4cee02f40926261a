package ai.refold.webhooks;

import ai.refold.webhooks.idempotency.InboxEntry;
import ai.refold.webhooks.idempotency.InboxState;
import ai.refold.webhooks.idempotency.RetryPolicy;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * An inbox entry taken with no attempt left: every attempt the retry policy allows was made before this take, the
 * last of them lost with the worker that ran it (counted by the take that found its lease run out), unless the policy
 * was lowered since. Run again, a delivery that takes down each instance that runs it (out of memory, a native crash,
 * a liveness kill) would do so for ever, one instance after another; its worker gives it up instead: dead, unrun, no
 * attempt counted.
 */
final class SpentAttempts {

    /** Records an outcome as a worker does: trying on while the store is unreachable, until shutdown. */
    @FunctionalInterface
    interface Recorder {
        boolean record(String key, Supplier<Boolean> operation);
    }

    private SpentAttempts() {
    }

    /** Returns whether {@code entry} has no attempt left under {@code retries}. */
    static boolean isSpent(InboxEntry entry, RetryPolicy retries) {
        return retries.isExhausted(entry.attempts());
    }

    /** Marks {@code owner}'s spent entry dead without running a handler, and logs it as the outcome of its run. */
    static void giveUp(InboxEntry entry, String owner, Inbox inbox, DeliveryLog log, Recorder recorder, long start) {
        String key = entry.key();
        String error = reason(entry, inbox.options().retries());
        try {
            recorder.record(key, () -> inbox.store().giveUp(key, owner, entry.doneHandlers(), error));
        } catch (RuntimeException e) {
            log.warn("refold inbox key={} has no attempt left but could not be marked dead before shutdown; its"
                    + " lease runs out and the next take gives it up: {}", key, e.toString());
            return;
        }
        log.inboxAttempt(key, entry.attempts(), InboxState.DEAD, Duration.ZERO, error, null,
                System.nanoTime() - start);
    }

    /** Returns why a spent entry is dead, as its last error: numbers and fixed words, never a key, body or secret. */
    static String reason(InboxEntry entry, RetryPolicy retries) {
        String gaveUp = "gave up after " + entry.attempts() + " attempts (the retry policy allows "
                + retries.maxAttempts() + ") without running the handlers again";
        // Only a take that found a lease run out sets rerun: an attempt was lost, if not necessarily the last.
        return entry.rerun() ? gaveUp + ": one or more attempts ended without an outcome, the instance running them"
                + " having stopped (a crash, a kill) or lost its lease before recording one" : gaveUp;
    }
}
