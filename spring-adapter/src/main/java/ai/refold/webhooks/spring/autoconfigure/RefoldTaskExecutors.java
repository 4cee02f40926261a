package ai.refold.webhooks.spring.autoconfigure;

import org.springframework.boot.task.ThreadPoolTaskExecutorBuilder;
import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import java.time.Duration;

/**
 * The receiver's threads, from Spring's task infrastructure: daemon threads with a recognisable name, waiting for
 * their tasks on shutdown up to {@code refold.webhooks.shutdown-timeout}. Spring stops an executor bean (a
 * {@link SmartLifecycle}) before destroying it, and stopping waits for its running tasks; so the receiver closes in
 * the phase {@link #RECEIVER_CLOSE_PHASE}, after the web server stopped, and these executors stop in the phase after
 * it, when nothing runs on them any more.
 */
final class RefoldTaskExecutors {

    /** The web server stops in phase {@code DEFAULT_PHASE - 2048} on Boot 3 and 4; the receiver closes after it. */
    static final int RECEIVER_CLOSE_PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

    /** The receiver's executors stop once the receiver has closed. */
    static final int EXECUTOR_PHASE = RECEIVER_CLOSE_PHASE - 1;

    /** How many acknowledge-fast deliveries may wait for a thread; past it a delivery is answered 503. */
    static final int ACKNOWLEDGE_FAST_QUEUE = 1000;

    private RefoldTaskExecutors() {
    }

    /**
     * Returns the acknowledge-fast executor: {@code threads} threads and a queue of {@code queue} deliveries; a full
     * queue refuses the delivery, which the receiver answers 503 so that Refold retries it.
     */
    static ThreadPoolTaskExecutor acknowledgeFast(int threads, int queue, Duration shutdownTimeout) {
        return executor("refold-webhook-", threads, queue, shutdownTimeout);
    }

    /** Returns the inbox workers' executor: one thread per worker loop, and no queue (the loops are long-lived). */
    static ThreadPoolTaskExecutor inboxWorkers(int workers, Duration shutdownTimeout) {
        return executor("refold-webhook-inbox-", workers, 0, shutdownTimeout);
    }

    private static ThreadPoolTaskExecutor executor(String prefix, int threads, int queue, Duration shutdownTimeout) {
        ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutorBuilder()
                .corePoolSize(threads)
                .maxPoolSize(threads)
                .queueCapacity(queue)
                .threadNamePrefix(prefix)
                .awaitTermination(true)
                .awaitTerminationPeriod(shutdownTimeout)
                .build();
        executor.setDaemon(true);
        executor.setPhase(EXECUTOR_PHASE);
        return executor;
    }
}
