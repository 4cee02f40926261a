package ai.refold.webhooks.spring.autoconfigure;

import org.springframework.boot.task.ThreadPoolTaskExecutorBuilder;
import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * The receiver's threads, from Spring's task infrastructure: daemon threads with a recognisable name. On context close
 * the receiver closes first, in the phase {@link #RECEIVER_CLOSE_PHASE}, just before the web server's graceful
 * shutdown: it answers new deliveries 503 while the web server still takes them, and gives the work in flight
 * {@code refold.webhooks.shutdown-timeout}. These executors stop after it and after the web server, letting their
 * tasks end without interrupting them and without waiting for them a second time: a handler that overran the
 * receiver's timeout goes on, unrenewed, on its daemon thread.
 */
final class RefoldTaskExecutors {

    /**
     * The web server's graceful shutdown runs in phase {@code DEFAULT_PHASE - 1024} on Boot 3 and 4, and stops the
     * web server, interrupting the requests still running, once {@code spring.lifecycle.timeout-per-shutdown-phase}
     * ends; the receiver closes just before it, so that its own timeout is the one deliveries in flight get.
     */
    static final int RECEIVER_CLOSE_PHASE = SmartLifecycle.DEFAULT_PHASE - 1023;

    /** The receiver's executors stop once the receiver has closed and the web server has stopped (phase - 2048). */
    static final int EXECUTOR_PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

    /** How many acknowledge-fast deliveries may wait for a thread; past it a delivery is answered 503. */
    static final int ACKNOWLEDGE_FAST_QUEUE = 1000;

    private RefoldTaskExecutors() {
    }

    /**
     * Returns the acknowledge-fast executor: {@code threads} threads and a queue of {@code queue} deliveries; a full
     * queue refuses the delivery, which the receiver answers 503 so that Refold retries it.
     */
    static ThreadPoolTaskExecutor acknowledgeFast(int threads, int queue) {
        return executor("refold-webhook-", threads, queue);
    }

    /** Returns the inbox workers' executor: one thread per worker loop, and no queue (the loops are long-lived). */
    static ThreadPoolTaskExecutor inboxWorkers(int workers) {
        return executor("refold-webhook-inbox-", workers, 0);
    }

    // Waiting for tasks on shutdown keeps Spring from shutting the executor down early, when the context starts to
    // close (before the receiver has), and from interrupting its tasks; the receiver has done the waiting by then.
    private static ThreadPoolTaskExecutor executor(String prefix, int threads, int queue) {
        ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutorBuilder()
                .corePoolSize(threads)
                .maxPoolSize(threads)
                .queueCapacity(queue)
                .threadNamePrefix(prefix)
                .awaitTermination(true)
                .build();
        executor.setDaemon(true);
        executor.setPhase(EXECUTOR_PHASE);
        return executor;
    }
}
