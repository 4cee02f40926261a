package ai.refold.webhooks;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * Brief retries of a store operation whose handlers already ran (recording a completion, scheduling an inbox retry):
 * a store that is back within about two seconds records the outcome once, instead of leaving it to a rerun.
 */
final class StoreRetries {

    /** The pauses before each retry: 0.1 s, 0.4 s, then 1.5 s. */
    static final Duration[] PAUSES = {Duration.ofMillis(100), Duration.ofMillis(400), Duration.ofMillis(1500)};

    /** Waits between retries; tests make time pass instead of sleeping. */
    @FunctionalInterface
    interface Pause {
        void pause(Duration duration) throws InterruptedException;
    }

    private StoreRetries() {
    }

    /**
     * Tries {@code operation} again after each pause, once its first try threw {@code failure}: the caller makes the
     * first try itself, so that a store that answers costs no more than the call.
     *
     * @throws RuntimeException what the last try threw, once every pause is spent (or the thread is interrupted during
     *                          one; an interrupt already set when called is cleared for the pauses and set again)
     */
    static <T> T retry(Pause pause, RuntimeException failure, Supplier<T> operation) {
        // An interrupt a handler left behind would end the first pause; it is the handler's, and is set again after.
        boolean interrupted = Thread.interrupted();
        try {
            for (Duration before : PAUSES) {
                try {
                    pause.pause(before);
                    return operation.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                    break;
                } catch (RuntimeException e) {
                    failure = e;
                }
            }
            throw failure;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
