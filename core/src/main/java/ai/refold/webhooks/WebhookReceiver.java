package ai.refold.webhooks;

import ai.refold.webhooks.event.UnknownEvent;
import ai.refold.webhooks.event.WebhookEvent;

import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Receives Refold deliveries: the one entry point every adapter calls.
 *
 * <pre>{@code
 * WebhookReceiver receiver = WebhookReceiver.builder()
 *         .signingKey("live", System.getenv("REFOLD_API_KEY"))
 *         .on(ConnectionExpired.class, (event, context) -> askToReconnect(event.linkedAccountId(), event.slug()))
 *         .on(WorkflowErrored.class, (event, context) -> alert(event.instanceId()))
 *         .build();
 *
 * DeliveryResult result = receiver.receive(DeliveryRequest.of("POST", headers, body));
 * // answer result.status() with result.responseBody()
 * }</pre>
 *
 * <p>Each delivery goes through method check, size limit, signature verification, parsing, idempotency key,
 * claim, dispatch to the handlers, and complete (or release if a handler threw). The {@link Outcome} says which
 * step decided and the HTTP status to answer; Refold retries anything but 200, and only a handled event or a
 * duplicate of one is answered 200.
 *
 * <p>A receiver is immutable and thread-safe; handlers are fixed when it is built. It logs one line per delivery
 * to the {@code ai.refold.webhooks.delivery} logger, never with the body, a key or a signature.
 */
public final class WebhookReceiver implements AutoCloseable {

    /** The methods a Refold subscription can deliver with. */
    public static final List<String> METHODS = Pipeline.METHODS;

    /** The largest body accepted unless {@link Builder#maxBodyBytes} says otherwise: 1 MiB. */
    public static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;

    /**
     * How long a claim holds unless {@link Builder#lease} says otherwise: 10 seconds. It is renewed every third of
     * that while handlers run, so it bounds only how long a crashed instance's claim delays a retry.
     */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(10);

    /** How long a processed event is remembered unless {@link Builder#retention} says otherwise: 7 days. */
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(7);

    /**
     * How long fingerprint keys (of bodies without a natural key) are remembered unless
     * {@link Builder#contentKeyRetention} says otherwise: 10 minutes, well past Refold's retries of one delivery.
     */
    public static final Duration DEFAULT_CONTENT_KEY_RETENTION = Duration.ofMinutes(10);

    /**
     * The span within which Refold's retries of one delivery are assumed to arrive, unless
     * {@link Builder#retryWindow} says otherwise: 1 minute. Refold retries a failed delivery up to 3 times with
     * exponential backoff but publishes no delays; a backoff starting at one second ends within 15 seconds.
     */
    public static final Duration DEFAULT_RETRY_WINDOW = Duration.ofMinutes(1);

    /** How long {@link #close()} waits for deliveries in flight: 30 seconds. */
    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

    private final Pipeline pipeline;
    private final Dispatch dispatch;
    private final Heartbeats heartbeats;
    private final Inbox inbox;
    private final int maxBodyBytes;
    private final String description;

    private WebhookReceiver(Builder builder) {
        Assembly parts = new Assembly(builder, new RouteTable(builder.routes));
        this.pipeline = parts.pipeline;
        this.dispatch = parts.dispatch;
        this.heartbeats = parts.heartbeats;
        this.inbox = parts.inbox;
        this.maxBodyBytes = builder.maxBodyBytes;
        this.description = parts.description;
        if (inbox != null) {
            inbox.start();
        }
    }

    /** Returns a builder with the defaults described on each setter. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the largest body accepted, in bytes; adapters stop reading beyond it. */
    public int maxBodyBytes() {
        return maxBodyBytes;
    }

    /** Returns the signature header this receiver reads, in lower case. */
    public String signatureHeader() {
        return pipeline.signatureHeader();
    }

    /**
     * Runs a delivery through the whole pipeline.
     *
     * @throws NullPointerException if {@code request} is null
     */
    public DeliveryResult receive(DeliveryRequest request) {
        return dispatch.dispatch(pipeline.admit(Objects.requireNonNull(request, "request"), System.nanoTime()));
    }

    /**
     * Reads a delivery from a stream and runs it through the whole pipeline. A wrong method or a declared length
     * over the limit is answered before anything is read; a body of unknown length is read only up to the limit.
     *
     * @param contentLength the declared length, or -1 if unknown (chunked)
     * @throws NullPointerException if an argument is null
     */
    public DeliveryResult receive(String method, Headers headers, InputStream body, long contentLength) {
        return dispatch.dispatch(streamed(method, headers, body, contentLength));
    }

    /**
     * Verifies, parses and claims a delivery without running handlers; see {@link Admission}. The claim is renewed
     * until the caller ends the admission.
     *
     * @throws NullPointerException if {@code request} is null
     */
    public Admission admit(DeliveryRequest request) {
        return started(pipeline.admit(Objects.requireNonNull(request, "request"), System.nanoTime()));
    }

    /**
     * Reads a delivery from a stream as {@link #receive(String, Headers, InputStream, long)} does, then verifies,
     * parses and claims it without running handlers; see {@link Admission}.
     *
     * @throws NullPointerException if an argument is null
     */
    public Admission admit(String method, Headers headers, InputStream body, long contentLength) {
        return started(streamed(method, headers, body, contentLength));
    }

    /**
     * Shuts down gracefully within {@link #DEFAULT_SHUTDOWN_TIMEOUT}; see {@link #close(Duration)}.
     */
    @Override
    public void close() {
        close(DEFAULT_SHUTDOWN_TIMEOUT);
    }

    /**
     * Shuts down gracefully: new deliveries are answered 503 (Refold retries them, on another instance or after the
     * restart), deliveries in flight get up to {@code timeout} to finish, and then those whose handlers have not
     * started (queued in acknowledge-fast mode) are released, each with a WARN line naming its key; claims stop
     * being renewed. Idempotent.
     *
     * @throws NullPointerException if {@code timeout} is null
     */
    public void close(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        try {
            dispatch.close(timeout);
            if (inbox != null) {
                inbox.close(timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            dispatch.cancelAll();
        } finally {
            heartbeats.close();
        }
    }

    // For tests that move time by hand and renew claims themselves.
    Heartbeats heartbeats() {
        return heartbeats;
    }

    private Admission streamed(String method, Headers headers, InputStream body, long contentLength) {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(body, "body");
        return pipeline.admit(method, headers, body, contentLength, System.nanoTime());
    }

    // The caller now runs the application's code itself: the delivery is no longer cancellable at shutdown.
    private static Admission started(Admission admission) {
        if (admission instanceof Admission.Admitted admitted) {
            admitted.start();
        }
        return admission;
    }

    @Override
    public String toString() {
        return description;
    }

    /**
     * Configures a {@link WebhookReceiver}: its handlers here, the rest of its settings (keys, store, limits, lease,
     * retention, retry window, acknowledge-fast mode, listeners) inherited. Setters validate at once and throw as
     * documented; the builder is not thread-safe, and each {@link #build()} makes an independent receiver.
     */
    public static final class Builder extends ReceiverSettings {
        private final List<RouteTable.Route> routes = new ArrayList<>();

        private Builder() {
        }

        /**
         * Registers a handler for events of {@code type}: a concrete event such as {@code WorkflowErrored.class},
         * a family such as {@code ConnectionEvent.class}, {@code UnknownEvent.class}, or {@code WebhookEvent.class}
         * for all. Every matching handler runs, in registration order.
         *
         * @throws NullPointerException if an argument is null
         */
        public <E extends WebhookEvent> Builder on(Class<E> type, EventHandler<? super E> handler) {
            return on(EventFilter.of(type), handler);
        }

        /**
         * Registers a handler for the events {@code filter} takes, for example only some workflows' events. Every
         * matching handler runs, in registration order; the handler is named {@code #1}, {@code #2}, ... in that
         * order.
         *
         * @throws NullPointerException if an argument is null
         */
        public <E extends WebhookEvent> Builder on(EventFilter<E> filter, EventHandler<? super E> handler) {
            return on("#" + (routes.size() + 1), filter, handler);
        }

        /**
         * Registers a handler under a name of its own, for example the method it calls; see
         * {@link #on(EventFilter, EventHandler)}. Names appear in logs and metrics.
         *
         * @throws NullPointerException     if an argument is null
         * @throws IllegalArgumentException if the name is blank, starts with {@code #}, holds a control character or
         *                                  is already used
         */
        @SuppressWarnings("unchecked") // the route table hands a handler only the events its filter accepts
        public <E extends WebhookEvent> Builder on(String name, EventFilter<E> filter,
                                                   EventHandler<? super E> handler) {
            Objects.requireNonNull(name, "name");
            if (name.isBlank() || name.startsWith("#") && !name.equals("#" + (routes.size() + 1))
                    || name.chars().anyMatch(Character::isISOControl)) {
                throw new IllegalArgumentException("a handler name must not be blank, start with # or hold control"
                        + " characters");
            }
            for (RouteTable.Route route : routes) {
                if (route.name().equals(name)) {
                    throw new IllegalArgumentException("a handler named '" + name + "' was already registered");
                }
            }
            routes.add(new RouteTable.Route(name, filter, (EventHandler<WebhookEvent>) handler));
            return this;
        }

        /**
         * Registers a handler for every event, known or unknown.
         *
         * @throws NullPointerException if {@code handler} is null
         */
        public Builder onAny(EventHandler<WebhookEvent> handler) {
            return on(WebhookEvent.class, handler);
        }

        /**
         * Registers a handler for events this SDK does not model: unknown names, no name, custom templates.
         *
         * @throws NullPointerException if {@code handler} is null
         */
        public Builder onUnknown(EventHandler<? super UnknownEvent> handler) {
            return on(UnknownEvent.class, handler);
        }

        /**
         * Builds the receiver.
         *
         * @throws IllegalStateException if no signing key was added
         */
        public WebhookReceiver build() {
            if (keyCount == 0) {
                throw new IllegalStateException("at least one signing key is required: add the Refold API key of"
                        + " each environment with signingKey(label, apiKey)");
            }
            return new WebhookReceiver(this);
        }
    }
}
