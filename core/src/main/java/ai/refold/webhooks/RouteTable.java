package ai.refold.webhooks;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.WebhookEvent;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

/**
 * Which handlers each event reaches. The kinds of event are derived from {@link EventType} plus one for
 * {@code UnknownEvent}, so a new event type needs no entry here; everything but the workflow id is decided per kind
 * when the table is built.
 */
final class RouteTable {

    private static final EventType[] TYPES = EventType.values();
    private static final int UNKNOWN = TYPES.length;
    // What a synchronous handler's route returns once the handler has returned: complete, and shared.
    private static final CompletableFuture<Void> RETURNED = CompletableFuture.completedFuture(null);

    private final Route[][] byKind = new Route[TYPES.length + 1][];
    private final List<Route> routes;

    RouteTable(List<Route> routes) {
        this.routes = List.copyOf(routes);
        for (int kind = 0; kind <= UNKNOWN; kind++) {
            EventType type = kind == UNKNOWN ? null : TYPES[kind];
            byKind[kind] = this.routes.stream().filter(route -> route.filter().acceptsKind(type))
                    .toArray(Route[]::new);
        }
    }

    /** Returns the routes in registration order. */
    List<Route> routes() {
        return routes;
    }

    /** Returns whether any handler takes {@code event}; allocates nothing. */
    boolean takes(WebhookEvent event) {
        for (Route route : candidates(event)) {
            if (route.filter().acceptsWorkflowOf(event)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Runs every handler {@code event} reaches, in registration order, except those an earlier attempt recorded as
     * {@code done}, and returns null if all returned normally. The first that throws stops the run (later handlers do
     * not run) and is returned with every handler that has succeeded, so that a retry runs only the others. Errors
     * are caught too: an escaping {@code AssertionError} must still release the event, or its claim would answer 409
     * until the lease ran out. An asynchronous handler's stage is waited for on the calling thread.
     */
    Failure run(WebhookEvent event, DeliveryContext context, DeliveryLog log, Set<String> done) {
        Route[] routes = candidates(event);
        for (int i = 0; i < routes.length; i++) {
            Route route = routes[i];
            if (route.filter().acceptsWorkflowOf(event) && !done.contains(route.name())) {
                Throwable failure = run(route, event, context, log);
                if (failure != null) {
                    return new Failure(failure, succeeded(routes, i, event, done));
                }
            }
        }
        return null;
    }

    /**
     * Returns the handlers {@code event} reaches that are still to run, in registration order: those an earlier
     * attempt recorded as {@code done} are left out.
     */
    Route[] toRun(WebhookEvent event, Set<String> done) {
        Route[] candidates = candidates(event);
        List<Route> toRun = new ArrayList<>(candidates.length);
        for (Route route : candidates) {
            if (route.filter().acceptsWorkflowOf(event) && !done.contains(route.name())) {
                toRun.add(route);
            }
        }
        return toRun.toArray(new Route[0]);
    }

    // The handlers before the failing one that ran now, and those recorded before.
    private static Set<String> succeeded(Route[] routes, int failed, WebhookEvent event, Set<String> done) {
        Set<String> succeeded = new HashSet<>(done);
        for (int i = 0; i < failed; i++) {
            if (routes[i].filter().acceptsWorkflowOf(event)) {
                succeeded.add(routes[i].name());
            }
        }
        return succeeded;
    }

    private static Throwable run(Route route, WebhookEvent event, DeliveryContext context, DeliveryLog log) {
        long start = log.timesHandlers() ? System.nanoTime() : 0;
        Throwable failure;
        try {
            failure = failureOf(route.handler().handle(event, context));
        } catch (Throwable e) {
            failure = e;
        }
        if (failure instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        if (start != 0) {
            log.handlerRan(route.name(), event, System.nanoTime() - start, failure);
        }
        return failure;
    }

    /**
     * Returns what a handler's stage failed with, or null if it completed normally, waiting for it if it is pending.
     * A null stage is a failure: the handler did not say when it is done.
     */
    static Throwable failureOf(CompletionStage<?> stage) {
        if (stage == RETURNED) {
            return null;
        }
        if (stage == null) {
            return new IllegalStateException("an asynchronous handler returned null instead of a CompletionStage");
        }
        try {
            future(stage).get();
            return null;
        } catch (ExecutionException e) {
            return e.getCause() != null ? e.getCause() : e;
        } catch (CancellationException | InterruptedException e) {
            return e;
        }
    }

    // Any stage as a future, whether or not its class offers toCompletableFuture().
    static CompletableFuture<?> future(CompletionStage<?> stage) {
        if (stage instanceof CompletableFuture<?> future) {
            return future;
        }
        CompletableFuture<Object> future = new CompletableFuture<>();
        stage.whenComplete((value, failure) -> {
            if (failure != null) {
                future.completeExceptionally(failure);
            } else {
                future.complete(value);
            }
        });
        return future;
    }

    /** Returns how many handlers each event type reaches (before narrowing by workflow), for the startup line. */
    Map<String, Integer> handlerCounts() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (int kind = 0; kind <= UNKNOWN; kind++) {
            counts.put(kind == UNKNOWN ? "unknown" : TYPES[kind].wireName(), byKind[kind].length);
        }
        return counts;
    }

    private Route[] candidates(WebhookEvent event) {
        Optional<EventType> type = event.eventType();
        return byKind[type.isPresent() ? type.get().ordinal() : UNKNOWN];
    }

    /**
     * A run that a handler ended by throwing.
     *
     * @param cause     what it threw
     * @param succeeded every handler of the event that has succeeded, in this attempt or an earlier one
     */
    record Failure(Throwable cause, Set<String> succeeded) {
    }

    /**
     * One registered handler; a synchronous one is held as a stage complete once it has returned.
     *
     * @param name    the handler's name, unique in its receiver
     * @param filter  the events it takes
     * @param handler the handler
     */
    record Route(String name, EventFilter<?> filter, AsyncEventHandler<WebhookEvent> handler) {
        Route {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(filter, "filter");
            Objects.requireNonNull(handler, "handler");
        }

        /** Returns the route of a synchronous handler. */
        static Route of(String name, EventFilter<?> filter, EventHandler<WebhookEvent> handler) {
            Objects.requireNonNull(handler, "handler");
            return new Route(name, filter, (event, context) -> {
                handler.handle(event, context);
                return RETURNED;
            });
        }
    }
}
