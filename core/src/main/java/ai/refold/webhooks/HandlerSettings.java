package ai.refold.webhooks;

import ai.refold.webhooks.event.UnknownEvent;
import ai.refold.webhooks.event.WebhookEvent;
import ai.refold.webhooks.idempotency.InboxStore;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * The handlers of {@link WebhookReceiver.Builder}, whether a receiver without any is intended, and how deliveries
 * reach them: on the request's thread (the default), on an executor after a 200 (acknowledge-fast), or from an inbox. Kept apart so
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
     * @param type    the class of the events the handler takes
     * @param handler the code to run for each matching event
     * @param <E>     the events the handler takes
     * @return this builder
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
     * @param filter  the events the handler takes
     * @param handler the code to run for each matching event
     * @param <E>     the events the handler takes
     * @return this builder
     * @throws NullPointerException if an argument is null
     */
    public final <E extends WebhookEvent> WebhookReceiver.Builder on(EventFilter<E> filter,
                                                                     EventHandler<? super E> handler) {
        return on(defaultName(), filter, handler);
    }

    /**
     * Registers a handler under a name of its own, for example the method it calls; see
     * {@link #on(EventFilter, EventHandler)}. Names appear in logs and metrics.
     *
     * @param name    the handler's name, unique within the receiver
     * @param filter  the events the handler takes
     * @param handler the code to run for each matching event
     * @param <E>     the events the handler takes
     * @return this builder
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if the name is blank, starts with {@code #}, holds a control character or
     *                                  is already used
     */
    @SuppressWarnings("unchecked") // the route table hands a handler only the events its filter accepts
    public final <E extends WebhookEvent> WebhookReceiver.Builder on(String name, EventFilter<E> filter,
                                                                     EventHandler<? super E> handler) {
        checkName(name);
        routes.add(RouteTable.Route.of(name, filter, (EventHandler<WebhookEvent>) handler));
        return self();
    }

    /**
     * Registers a handler whose work finishes later, for events of {@code type}; see {@link AsyncEventHandler} and
     * {@link #on(Class, EventHandler)}. It runs in registration order with the synchronous handlers: the next one
     * starts once its stage has completed.
     *
     * @param type    the class of the events the handler takes
     * @param handler the code to start for each matching event; its stage completes when the event is handled
     * @param <E>     the events the handler takes
     * @return this builder
     * @throws NullPointerException if an argument is null
     */
    public final <E extends WebhookEvent> WebhookReceiver.Builder onAsync(Class<E> type,
                                                                          AsyncEventHandler<? super E> handler) {
        return onAsync(EventFilter.of(type), handler);
    }

    /**
     * Registers a handler whose work finishes later, for the events {@code filter} takes, named {@code #1},
     * {@code #2}, ... in registration order as {@link #on(EventFilter, EventHandler)} names them.
     *
     * @param filter  the events the handler takes
     * @param handler the code to start for each matching event; its stage completes when the event is handled
     * @param <E>     the events the handler takes
     * @return this builder
     * @throws NullPointerException if an argument is null
     */
    public final <E extends WebhookEvent> WebhookReceiver.Builder onAsync(EventFilter<E> filter,
                                                                          AsyncEventHandler<? super E> handler) {
        return onAsync(defaultName(), filter, handler);
    }

    /**
     * Registers a handler whose work finishes later under a name of its own; see
     * {@link #on(String, EventFilter, EventHandler)}.
     *
     * @param name    the handler's name, unique within the receiver
     * @param filter  the events the handler takes
     * @param handler the code to start for each matching event; its stage completes when the event is handled
     * @param <E>     the events the handler takes
     * @return this builder
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if the name is blank, starts with {@code #}, holds a control character or
     *                                  is already used
     */
    @SuppressWarnings("unchecked") // the route table hands a handler only the events its filter accepts
    public final <E extends WebhookEvent> WebhookReceiver.Builder onAsync(String name, EventFilter<E> filter,
                                                                          AsyncEventHandler<? super E> handler) {
        checkName(name);
        routes.add(new RouteTable.Route(name, filter, (AsyncEventHandler<WebhookEvent>) handler));
        return self();
    }

    // The name a handler registered without one gets: #1, #2, ... in registration order.
    private String defaultName() {
        return "#" + (routes.size() + 1);
    }

    private void checkName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank() || name.startsWith("#") && !name.equals(defaultName())
                || name.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("a handler name must not be blank, start with # or hold control"
                    + " characters");
        }
        for (RouteTable.Route route : routes) {
            if (route.name().equals(name)) {
                throw new IllegalArgumentException("a handler named '" + name + "' was already registered");
            }
        }
    }

    /**
     * Registers a handler for every event, known or unknown.
     *
     * @param handler the code to run for each matching event
     * @return this builder
     * @throws NullPointerException if {@code handler} is null
     */
    public final WebhookReceiver.Builder onAny(EventHandler<WebhookEvent> handler) {
        return on(WebhookEvent.class, handler);
    }

    /**
     * Registers a handler for events this SDK does not model: unknown names, no name, custom templates.
     *
     * @param handler the code to run for each matching event
     * @return this builder
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
     *
     * @return this builder
     */
    public final WebhookReceiver.Builder allowNoHandlers() {
        this.allowNoHandlers = true;
        return self();
    }

    /** {@return whether any handler is registered so far} */
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

    /**
     * Turns on acknowledge-fast mode: once an event is claimed, its handlers run on {@code executor} and the
     * delivery is answered 200 at once. A handler that then fails releases the event and is logged, but Refold
     * has its 200 and will not retry: use this only when the handlers cannot fail or handle their own retries.
     * If the executor refuses the work (or fails otherwise), the delivery is answered 503 and Refold retries.
     *
     * @param executor where the handlers run after the delivery is answered
     * @return this builder
     * @throws NullPointerException if {@code executor} is null
     */
    public final WebhookReceiver.Builder acknowledgeFast(Executor executor) {
        this.acknowledgeFast = Objects.requireNonNull(executor, "executor");
        return self();
    }

    /**
     * Turns on inbox mode with {@link InboxOptions#defaults()}; see {@link #inbox(InboxStore, InboxOptions)}.
     *
     * @param store where deliveries are stored until their handlers succeed
     * @return this builder
     * @throws NullPointerException if {@code store} is null
     */
    public final WebhookReceiver.Builder inbox(InboxStore store) {
        return inbox(store, InboxOptions.defaults());
    }

    /**
     * Turns on inbox mode: persist, then acknowledge. Each verified delivery is stored in {@code store} (which also
     * deduplicates, in place of an idempotency store) and answered 200 once stored; workers on every instance run
     * the handlers, retry failures per {@code options} beyond Refold's own retries, and keep what never succeeds as
     * a dead letter to replay. Building the receiver starts its workers; {@link WebhookReceiver#close} stops them.
     *
     * @param store   where deliveries are stored until their handlers succeed; it also deduplicates them
     * @param options how many workers run, how often they poll, and how failures are retried
     * @return this builder
     * @throws NullPointerException if an argument is null
     */
    public final WebhookReceiver.Builder inbox(InboxStore store, InboxOptions options) {
        this.inbox = Objects.requireNonNull(store, "store");
        this.inboxOptions = Objects.requireNonNull(options, "options");
        return self();
    }
}
