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

/**
 * Which handlers each event reaches. The kinds of event are derived from {@link EventType} plus one for
 * {@code UnknownEvent}, so a new event type needs no entry here; everything but the workflow id is decided per kind
 * when the table is built.
 */
final class RouteTable {

    private static final EventType[] TYPES = EventType.values();
    private static final int UNKNOWN = TYPES.length;

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
     * until the lease ran out.
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
        Throwable failure = null;
        try {
            route.handler().handle(event, context);
        } catch (Throwable e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            failure = e;
        }
        if (start != 0) {
            log.handlerRan(route.name(), event, System.nanoTime() - start, failure);
        }
        return failure;
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
     * One registered handler.
     *
     * @param name    the handler's name, unique in its receiver
     * @param filter  the events it takes
     * @param handler the handler
     */
    record Route(String name, EventFilter<?> filter, EventHandler<WebhookEvent> handler) {
        Route {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(filter, "filter");
            Objects.requireNonNull(handler, "handler");
        }
    }
}
