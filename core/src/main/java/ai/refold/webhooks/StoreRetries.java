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
     * Runs {@code operation}, trying again after each pause while it throws.
     *
     * @throws RuntimeException what the last try threw, once every pause is spent (or the thread is interrupted)
     */
    static <T> T call(Pause pause, Supplier<T> operation) {
        RuntimeException failure = null;
        for (int attempt = 0; attempt <= PAUSES.length; attempt++) {
            try {
                if (attempt > 0) {
                    pause.pause(PAUSES[attempt - 1]);
                }
                return operation.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        throw failure;
    }
}
