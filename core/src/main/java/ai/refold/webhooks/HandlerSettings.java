package ai.refold.webhooks;

import ai.refold.webhooks.event.UnknownEvent;
import ai.refold.webhooks.event.WebhookEvent;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The handlers of {@link WebhookReceiver.Builder}, and whether a receiver without any is intended. Kept apart so
 * that each file reads in one sitting; users see these setters on the builder itself.
 */
abstract class HandlerSettings extends ReceiverSettings {

    final List<RouteTable.Route> routes = new ArrayList<>();
    private boolean allowNoHandlers;

    HandlerSettings() {
    }

    /**
     * Registers a handler for events of {@code type}: a concrete event such as {@code WorkflowErrored.class},
     * a family such as {@code ConnectionEvent.class}, {@code UnknownEvent.class}, or {@code WebhookEvent.class}
     * for all. Every matching handler runs, in registration order.
     *
     * @throws NullPointerException if an argument is null
     */
    public final <E extends WebhookEvent> WebhookReceiver.Builder on(Class<E> type,
                                                                     EventHandler<? super E> handler) {
        return on(EventFilter.of(type), handler);
    }

    /**
     * Registers a handler for the events {@code filter} takes, for example only some workflows' events. Every
     * matching handler runs, in registration order; the handler is named {@code #1}, {@code #2}, ... in that
     * order.
     *
     * @throws NullPointerException if an argument is null
     */
    public final <E extends WebhookEvent> WebhookReceiver.Builder on(EventFilter<E> filter,
                                                                     EventHandler<? super E> handler) {
        return on("#" + (routes.size() + 1), filter, handler);
    }

    /**
     * Registers a handler under a name of its own, for example the method it calls; see
     * {@link #on(EventFilter, EventHandler)}. Names appear in logs and metrics.
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if the name is blank, starts with {@code #} or is already used
     */
    @SuppressWarnings("unchecked") // the route table hands a handler only the events its filter accepts
    public final <E extends WebhookEvent> WebhookReceiver.Builder on(String name, EventFilter<E> filter,
                                                                     EventHandler<? super E> handler) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank() || name.startsWith("#") && !name.equals("#" + (routes.size() + 1))) {
            throw new IllegalArgumentException("a handler name must not be blank or start with #");
        }
        for (RouteTable.Route route : routes) {
            if (route.name().equals(name)) {
                throw new IllegalArgumentException("a handler named '" + name + "' was already registered");
            }
        }
        routes.add(new RouteTable.Route(name, filter, (EventHandler<WebhookEvent>) handler));
        return self();
    }

    /**
     * Registers a handler for every event, known or unknown.
     *
     * @throws NullPointerException if {@code handler} is null
     */
    public final WebhookReceiver.Builder onAny(EventHandler<WebhookEvent> handler) {
        return on(WebhookEvent.class, handler);
    }

    /**
     * Registers a handler for events this SDK does not model: unknown names, no name, custom templates.
     *
     * @throws NullPointerException if {@code handler} is null
     */
    public final WebhookReceiver.Builder onUnknown(EventHandler<? super UnknownEvent> handler) {
        return on(UnknownEvent.class, handler);
    }

    /**
     * Declares that a receiver without handlers is intended, so {@link WebhookReceiver.Builder#build()} does not
     * refuse it: for example when the receiver only admits deliveries for the servlet filter's forward mode, where
     * the application's servlet is the handler. Without a handler, {@code receive} acknowledges every verified event
     * as {@link Outcome#IGNORED}.
     */
    public final WebhookReceiver.Builder allowNoHandlers() {
        this.allowNoHandlers = true;
        return self();
    }

    /** Returns whether any handler is registered so far. */
    public final boolean hasHandlers() {
        return !routes.isEmpty();
    }

    // A receiver without handlers acknowledges every event and runs nothing: the events are lost unless someone
    // meant it. A handler class that a framework failed to find is the usual cause.
    final void requireHandlers() {
        if (routes.isEmpty() && !allowNoHandlers) {
            throw new IllegalStateException("no handler is registered, so every delivery would be acknowledged and"
                    + " its event lost: register handlers with on(...), onAny(...) or onUnknown(...), or call"
                    + " allowNoHandlers() if the receiver is meant to have none");
        }
    }
}
