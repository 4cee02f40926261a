package ai.refold.webhooks;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One receiver's threads for handler runs whose executor refused to resume them (see {@link HandlerRun}): made only
 * when that happens and ended after a minute idle, as many as the machine has processors (at least two), the runs
 * beyond them waiting their turn, so that an executor refusing under load cannot make the SDK start a thread per
 * delivery in flight. They belong to the receiver, not to the SDK's classes: {@link #shutdown} (at the receiver's
 * close) ends the idle ones at once, so that none outlives an undeployed application and pins its class loader. Each
 * thread carries the context class loader of the thread that built the receiver, not that of whichever thread
 * happened to complete a stage (an event loop, a client's I/O thread).
 *
 * <p>No step here waits for another step: a resumed step that reaches another pending stage registers a callback
 * and returns, so the bounded pool cannot deadlock on the SDK's own work; only a handler that blocks on another
 * delivery's progress could, as it could on any bounded executor.
 */
final class ResumeThreads {

    static final String NAME = "refold-webhook-resume";

    private final int size;
    private final ClassLoader contextLoader;
    private ThreadPoolExecutor pool;
    private boolean shutdown;

    ResumeThreads() {
        this(Math.max(2, Runtime.getRuntime().availableProcessors()));
    }

    ResumeThreads(int size) {
        this.size = size;
        ClassLoader builder = Thread.currentThread().getContextClassLoader();
        this.contextLoader = builder != null ? builder : ResumeThreads.class.getClassLoader();
    }

    /**
     * Runs {@code step} on one of these threads. Once shut down (a stage that completed after the receiver's close
     * gave up waiting for it), on a thread of its own that ends with the step; if no thread can be made at all (the
     * process is out of them), on the calling thread, the last resort.
     */
    void resume(Runnable step) {
        ThreadPoolExecutor current = pool();
        try {
            if (current != null) {
                current.execute(step);
                return;
            }
        } catch (RuntimeException | Error e) {
            // Shut down meanwhile, or no thread could be made: a thread of its own, or else the last resort.
        }
        try {
            newThread(step).start();
        } catch (RuntimeException | Error e) {
            step.run();
        }
    }

    /** Ends the idle threads now and each busy one when its step ends; later steps get a thread of their own. */
    synchronized void shutdown() {
        shutdown = true;
        if (pool != null) {
            pool.shutdown();
        }
    }

    private synchronized ThreadPoolExecutor pool() {
        if (pool == null && !shutdown) {
            pool = new ThreadPoolExecutor(size, size, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                    this::newThread);
            pool.allowCoreThreadTimeOut(true);
        }
        return shutdown ? null : pool;
    }

    private Thread newThread(Runnable task) {
        Thread thread = Heartbeats.daemon(NAME).newThread(task);
        thread.setContextClassLoader(contextLoader);
        return thread;
    }
}
