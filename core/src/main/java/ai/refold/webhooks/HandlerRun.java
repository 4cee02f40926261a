package ai.refold.webhooks;

import ai.refold.webhooks.event.WebhookEvent;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One run of the handlers an event reaches, for a delivery answered without holding a thread: the handlers run in
 * registration order, as {@link RouteTable#run} runs them, but a handler whose stage is still pending is not waited
 * for. When the stage completes, the run resumes on the executor (or, if it refuses, on a thread of the SDK's own),
 * so that the next handler, and the store once the run is over, never run on the thread that completed the stage (an
 * event loop, a client's I/O thread). The first failure ends the run, with every handler that has succeeded so that
 * a retry runs only the others.
 */
final class HandlerRun {

    private final RouteTable.Route[] routes;
    private final WebhookEvent event;
    private final DeliveryContext context;
    private final DeliveryLog log;
    private final Set<String> done;
    private final Executor executor;
    private final ResumeThreads refused;
    private final CompletableFuture<RouteTable.Failure> result = new CompletableFuture<>();
    // Only one thread at a time advances the run: a handler's completion hands it on, through the executor.
    private int next;

    private HandlerRun(RouteTable routes, WebhookEvent event, DeliveryContext context, DeliveryLog log,
                       Set<String> done, Executor executor, ResumeThreads refused) {
        this.routes = routes.toRun(event, done);
        this.event = event;
        this.context = context;
        this.log = log;
        this.done = done;
        this.executor = executor;
        this.refused = refused;
    }

    /**
     * Runs the handlers that {@code event} reaches and that are not {@code done}, starting on the calling thread.
     * The future completes with null once all succeeded, or with the first failure. A resumption {@code executor}
     * refuses goes to {@code refused}.
     */
    static CompletableFuture<RouteTable.Failure> start(RouteTable routes, WebhookEvent event, DeliveryContext context,
                                                       DeliveryLog log, Set<String> done, Executor executor,
                                                       ResumeThreads refused) {
        HandlerRun run = new HandlerRun(routes, event, context, log, done, executor, refused);
        run.resume();
        return run.result;
    }

    private void resume() {
        while (next < routes.length) {
            int index = next++;
            RouteTable.Route route = routes[index];
            long start = System.nanoTime();
            CompletionStage<?> stage;
            try {
                stage = route.handler().handle(event, context);
            } catch (Throwable e) {
                ended(index, start, e);
                return;
            }
            if (stage == null || stage instanceof CompletableFuture<?> future && future.isDone()) {
                if (ended(index, start, RouteTable.failureOf(stage))) {
                    return;
                }
                continue;
            }
            stage.whenComplete((value, failure) -> onExecutor(() -> {
                if (!ended(index, start, failure == null ? null : RouteTable.failureOf(stage))) {
                    resume();
                }
            }));
            return;
        }
        result.complete(null);
    }

    // Reports one handler's end; on a failure, ends the run and returns true.
    private boolean ended(int index, long start, Throwable failure) {
        if (log.timesHandlers()) {
            log.handlerRan(routes[index].name(), event, System.nanoTime() - start, failure);
        }
        if (failure == null) {
            return false;
        }
        Set<String> succeeded = new HashSet<>(done);
        for (int i = 0; i < index; i++) {
            succeeded.add(routes[i].name());
        }
        result.complete(new RouteTable.Failure(failure, succeeded));
        return true;
    }

    // An executor that refuses (saturated, or shut down) or fails otherwise must not strand the run and its claim, nor
    // hand it to the thread that completed the stage, which may be an event loop: the run then goes on on one of the
    // receiver's threads. An Error may come after the executor queued the step, which then runs once, whichever is
    // first.
    private void onExecutor(Runnable step) {
        AtomicBoolean taken = new AtomicBoolean();
        Runnable once = () -> {
            if (taken.compareAndSet(false, true)) {
                step.run();
            }
        };
        try {
            executor.execute(once);
        } catch (RuntimeException | Error e) {
            refused.resume(once);
        }
    }
}
