package ai.refold.webhooks;

import java.io.InputStream;
import java.time.Duration;
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
 * <p>Each delivery goes through method check, size limit and signature header (before any body byte is read),
 * the body read within the read deadline and the body budget, signature verification, parsing, a handler that takes
 * the event, idempotency key, claim, dispatch to the handlers, and complete (or release if a handler threw). The
 * {@link Outcome} says which step decided and the HTTP status to answer; Refold retries anything but 200, and only a
 * handled event, a duplicate of one, or an event no handler takes is answered 200.
 *
 * <p>A receiver is immutable and thread-safe; handlers are fixed when it is built. It logs one line per delivery
 * to the {@code ai.refold.webhooks.delivery} logger, never with the body, a key or a signature.
 */
public final class WebhookReceiver implements AutoCloseable {

    /** The methods a Refold subscription can deliver with. */
    public static final List<String> METHODS = Pipeline.METHODS;

    /** The largest body accepted unless {@link Builder#maxBodyBytes} says otherwise: 1 MiB. */
    public static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;

    /** How long a body may take to arrive unless {@link Builder#readDeadline} says otherwise: 10 seconds. */
    public static final Duration DEFAULT_READ_DEADLINE = Duration.ofSeconds(10);

    /** The body bytes held at once unless {@link Builder#bodyBudget} says otherwise: 64 MiB. */
    public static final long DEFAULT_BODY_BUDGET_BYTES = 64L << 20;

    /**
     * How long a claim holds unless {@link Builder#lease} says otherwise: 10 seconds. It is renewed every third of
     * that while handlers run, so it bounds only how long a crashed instance's claim delays a retry.
     */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(10);

    /**
     * The shortest lease {@link Builder#lease} accepts: 1 second. A claim is renewed every third of its lease; a
     * lease of a few milliseconds would run out between renewals (or in a pause of the JVM) while its handlers still
     * run, and a retry arriving then would run them a second time, at once.
     */
    public static final Duration MIN_LEASE = Duration.ofSeconds(1);

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
    private final ReceiverLifecycle lifecycle;
    private final int maxBodyBytes;
    private final boolean leavesEventsToCaller;
    private final ReceiverSummary summary;

    private WebhookReceiver(Builder builder) {
        Assembly parts = new Assembly(builder, new RouteTable(builder.routes));
        this.pipeline = parts.pipeline;
        this.dispatch = parts.dispatch;
        this.heartbeats = parts.heartbeats;
        this.inbox = parts.inbox;
        this.maxBodyBytes = builder.maxBodyBytes;
        this.leavesEventsToCaller = !builder.hasHandlers() && builder.inbox == null;
        this.summary = parts.summary;
        this.lifecycle = new ReceiverLifecycle(dispatch, inbox, heartbeats);
        if (inbox != null) {
            inbox.start();
        }
    }

    /** {@return a builder with the defaults described on each setter} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return the largest body accepted, in bytes; adapters stop reading beyond it} */
    public int maxBodyBytes() {
        return maxBodyBytes;
    }

    /**
     * {@return whether this receiver leaves each admitted event to its caller} True when it has no handlers (which
     * would never run) and no inbox (which stores and acknowledges each delivery itself): what an adapter that hands
     * admitted deliveries to the application's own code (the servlet filter's forward mode) requires.
     */
    public boolean leavesEventsToCaller() {
        return leavesEventsToCaller;
    }

    /** {@return the signature header this receiver reads, in lower case} */
    public String signatureHeader() {
        return pipeline.signatureHeader();
    }

    /**
     * Runs a delivery through the whole pipeline.
     *
     * @param request the request, its body already read in full
     * @return what to answer: the HTTP status, the outcome and, for a verified delivery, the event and its key
     * @throws NullPointerException if {@code request} is null
     */
    public DeliveryResult receive(DeliveryRequest request) {
        return dispatch.dispatch(pipeline.admit(Objects.requireNonNull(request, "request"), System.nanoTime(), true));
    }

    /**
     * Reads a delivery from a stream and runs it through the whole pipeline. A wrong method, a declared length
     * over the limit, a missing or malformed signature header, or a body the budget cannot hold is answered before
     * anything is read; a body of unknown length is read only up to the limit; a body that takes longer than the
     * read deadline is answered 408 (the deadline is checked between reads: a read that blocks is bounded by the
     * container's own read timeout).
     *
     * @param method        the HTTP method, for example {@code "POST"}
     * @param headers       the request headers
     * @param body          the request body, read here; the caller closes it
     * @param contentLength the declared length, or -1 if unknown (chunked)
     * @return what to answer: the HTTP status, the outcome and, for a verified delivery, the event and its key
     * @throws NullPointerException if an argument is null
     */
    public DeliveryResult receive(String method, Headers headers, InputStream body, long contentLength) {
        Objects.requireNonNull(body, "body");
        return open(method, headers, contentLength).receive(body);
    }

    /**
     * Opens a delivery whose body will be handed over as it arrives, for adapters that read without holding a
     * thread; see {@link IncomingDelivery}. The checks that need no body are made now.
     *
     * @param method        the HTTP method, for example {@code "POST"}
     * @param headers       the request headers
     * @param contentLength the declared length, or -1 if unknown (chunked)
     * @return the delivery, to be given the body with {@link IncomingDelivery#accept} and ended with
     *         {@link IncomingDelivery#finish()} or {@link IncomingDelivery#finishAsync}; it may already be refused
     * @throws NullPointerException if an argument is null
     */
    public IncomingDelivery open(String method, Headers headers, long contentLength) {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(headers, "headers");
        return new IncomingDelivery(pipeline, dispatch, method, headers, contentLength, System.nanoTime());
    }

    /**
     * Verifies, parses and claims a delivery without running handlers; see {@link Admission}. The claim is renewed
     * until the caller ends the admission.
     *
     * @param request the request, its body already read in full
     * @return the admitted delivery, which the caller must end, or the answer the receiver gave itself
     * @throws NullPointerException if {@code request} is null
     */
    public Admission admit(DeliveryRequest request) {
        Objects.requireNonNull(request, "request");
        return ReceiverLifecycle.started(pipeline.admit(request, System.nanoTime()));
    }

    /**
     * Reads a delivery from a stream as {@link #receive(String, Headers, InputStream, long)} does, then verifies,
     * parses and claims it without running handlers; see {@link Admission}.
     *
     * @param method        the HTTP method, for example {@code "POST"}
     * @param headers       the request headers
     * @param body          the request body, read here; the caller closes it
     * @param contentLength the declared length, or -1 if unknown (chunked)
     * @return the admitted delivery, which the caller must end, or the answer the receiver gave itself
     * @throws NullPointerException if an argument is null
     */
    public Admission admit(String method, Headers headers, InputStream body, long contentLength) {
        Objects.requireNonNull(body, "body");
        return ReceiverLifecycle.started(open(method, headers, contentLength).admit(body));
    }

    /**
     * Logs the one INFO line that says this receiver is serving: where, the labels of its keys (never the keys),
     * how many handlers each event type reaches, its store, its mode and its limits. Adapters call it once when
     * they start to serve; code that calls the receiver itself may too.
     *
     * @param path the path deliveries arrive on, for example {@code /webhooks/refold}
     * @param mode the adapter's mode, for example {@code endpoint} or {@code forward}
     * @throws NullPointerException if an argument is null
     */
    public void announce(String path, String mode) {
        summary.announce(Objects.requireNonNull(path, "path"), Objects.requireNonNull(mode, "mode"));
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
     * being renewed (a renewal under way gets up to a second to end, uninterrupted). Idempotent: only the first call
     * waits, so a framework closing the receiver again (a destroy method after a lifecycle stop) does not wait anew.
     *
     * @param timeout how long deliveries in flight, and in inbox mode the workers, get to finish
     * @throws NullPointerException if {@code timeout} is null
     */
    public void close(Duration timeout) {
        lifecycle.close(Objects.requireNonNull(timeout, "timeout"));
    }

    /**
     * Pauses an inbox-mode receiver's workers, for a framework's lifecycle stop (Spring's {@code stop()}) or a
     * checkpoint: they take nothing new, their runs in flight get up to {@code timeout} to finish (one that takes
     * longer goes on, its lease renewed), and deliveries handed over but not started go back to the store, due at
     * once. Deliveries that arrive meanwhile are still stored and answered 200; they run after {@link #resume()}.
     * Does nothing outside inbox mode or once closed; not to be called concurrently with {@link #resume()}.
     *
     * @param timeout how long the workers' runs in flight get to finish
     * @return whether every worker stopped within {@code timeout}
     * @throws NullPointerException if {@code timeout} is null
     */
    public boolean pause(Duration timeout) {
        return lifecycle.pause(Objects.requireNonNull(timeout, "timeout"));
    }

    /** Restarts the inbox workers {@link #pause} stopped; does nothing if none is, outside inbox mode, once closed. */
    public void resume() {
        lifecycle.resume();
    }

    // For tests that move time by hand and renew claims themselves.
    Heartbeats heartbeats() {
        return heartbeats;
    }

    // For tests that need the inbox's workers idle, waiting for a delivery to be handed over; null outside inbox mode.
    Inbox inbox() {
        return inbox;
    }

    @Override
    public String toString() {
        return summary.toString();
    }

    /**
     * Configures a {@link WebhookReceiver}: its handlers and the rest of its settings (keys, store, limits, read
     * deadline, body budget, lease, retention, retry window, inbox or acknowledge-fast mode, listeners) inherited.
     * Setters validate at once and throw as documented; the builder is not thread-safe, and each {@link #build()}
     * makes an independent receiver.
     */
    public static final class Builder extends HandlerSettings {

        private Builder() {
        }

        /**
         * Builds the receiver; in inbox mode this starts its workers.
         *
         * @return a new receiver, ready to take deliveries
         * @throws IllegalStateException if no signing key was added, no handler was registered and
         *                               {@link #allowNoHandlers()} was not called, or settings exclude each other
         */
        public WebhookReceiver build() {
            if (keyCount == 0) {
                throw new IllegalStateException("at least one signing key is required: add the Refold API key of"
                        + " each environment with signingKey(label, apiKey)");
            }
            requireHandlers();
            return new WebhookReceiver(this);
        }
    }
}
