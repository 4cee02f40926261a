package ai.refold.webhooks;

import ai.refold.webhooks.event.ConnectionCreated;
import ai.refold.webhooks.event.ConnectionDeleted;
import ai.refold.webhooks.event.ConnectionExpired;
import ai.refold.webhooks.event.EventParser;
import ai.refold.webhooks.event.InvalidPayloadException;
import ai.refold.webhooks.event.ReadLimits;
import ai.refold.webhooks.event.UnknownEvent;
import ai.refold.webhooks.event.WebhookEvent;
import ai.refold.webhooks.event.WorkflowCompleted;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.idempotency.ClaimResult;
import ai.refold.webhooks.idempotency.IdempotencyKeyExtractor;
import ai.refold.webhooks.idempotency.IdempotencyStore;
import ai.refold.webhooks.idempotency.InMemoryIdempotencyStore;
import ai.refold.webhooks.signature.SignatureScheme;
import ai.refold.webhooks.signature.SignatureVerifier;
import ai.refold.webhooks.signature.SigningKey;
import ai.refold.webhooks.signature.VerificationResult;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;

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
public final class WebhookReceiver {

    /** The methods a Refold subscription can deliver with. */
    public static final List<String> METHODS = List.of("POST", "PUT", "PATCH");

    private static final Logger LOG = LoggerFactory.getLogger("ai.refold.webhooks.delivery");
    private static final Map<String, String> ALLOW = Map.of("Allow", String.join(", ", METHODS));
    // The unread rest of an oversized body is not worth draining: ask the client to close the connection.
    private static final Map<String, String> CLOSE = Map.of("Connection", "close");
    private static final List<Class<? extends WebhookEvent>> CONCRETE_TYPES = List.of(
            ConnectionCreated.class, ConnectionDeleted.class, ConnectionExpired.class,
            WorkflowCompleted.class, WorkflowErrored.class, UnknownEvent.class);

    private final SignatureVerifier verifier;
    private final EventParser parser;
    private final IdempotencyKeyExtractor keyExtractor;
    private final IdempotencyStore store;
    private final Duration lease;
    private final Duration retention;
    private final int maxBodyBytes;
    private final Clock clock;
    private final Executor acknowledgeFastExecutor;
    private final Map<Class<?>, EventHandler<WebhookEvent>[]> routes;
    private final Map<String, String> retryAfter;
    private final DeliveryListener[] listeners;
    private final String node;
    private final AtomicLong sequence = new AtomicLong();

    private WebhookReceiver(Builder builder) {
        this.verifier = builder.verifier.build();
        ReadLimits limits = builder.readLimits != null ? builder.readLimits : new ReadLimits(
                ReadLimits.defaults().maxNestingDepth(),
                Math.min(ReadLimits.defaults().maxStringLength(), builder.maxBodyBytes),
                ReadLimits.defaults().maxNumberLength(),
                ReadLimits.defaults().maxNameLength(),
                builder.maxBodyBytes);
        this.parser = EventParser.withLimits(limits);
        this.keyExtractor = builder.keyExtractor;
        this.clock = builder.clock;
        this.store = builder.store != null ? builder.store
                : InMemoryIdempotencyStore.builder().clock(builder.clock).build();
        this.lease = builder.lease;
        this.retention = builder.retention;
        this.maxBodyBytes = builder.maxBodyBytes;
        this.acknowledgeFastExecutor = builder.acknowledgeFastExecutor;
        this.routes = route(builder.handlers);
        this.listeners = builder.listeners.toArray(new DeliveryListener[0]);
        long leaseSeconds = Math.max(1, (lease.toMillis() + 999) / 1000);
        this.retryAfter = Map.of("Retry-After", Long.toString(leaseSeconds));
        byte[] nodeBytes = new byte[6];
        new SecureRandom().nextBytes(nodeBytes);
        this.node = HexFormat.of().formatHex(nodeBytes) + '-';
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
        return verifier.scheme().headerName();
    }

    /**
     * Runs a delivery through the whole pipeline.
     *
     * @throws NullPointerException if {@code request} is null
     */
    public DeliveryResult receive(DeliveryRequest request) {
        long start = System.nanoTime();
        Admission admission = admit(request, start);
        return admission.isAdmitted() ? dispatch(admission) : admission.rejection();
    }

    /**
     * Reads a delivery from a stream and runs it through the whole pipeline. A wrong method or a declared length
     * over the limit is answered before anything is read; a body of unknown length is read only up to the limit.
     *
     * @param contentLength the declared length, or -1 if unknown (chunked)
     * @throws NullPointerException if an argument is null
     */
    public DeliveryResult receive(String method, Headers headers, InputStream body, long contentLength) {
        long start = System.nanoTime();
        Admission admission = admit(method, headers, body, contentLength, start);
        return admission.isAdmitted() ? dispatch(admission) : admission.rejection();
    }

    /**
     * Verifies, parses and claims a delivery without running handlers; see {@link Admission}.
     *
     * @throws NullPointerException if {@code request} is null
     */
    public Admission admit(DeliveryRequest request) {
        return admit(request, System.nanoTime());
    }

    /**
     * Reads a delivery from a stream as {@link #receive(String, Headers, InputStream, long)} does, then verifies,
     * parses and claims it without running handlers; see {@link Admission}.
     *
     * @throws NullPointerException if an argument is null
     */
    public Admission admit(String method, Headers headers, InputStream body, long contentLength) {
        return admit(method, headers, body, contentLength, System.nanoTime());
    }

    private Admission admit(String method, Headers headers, InputStream body, long contentLength, long start) {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(body, "body");
        if (!METHODS.contains(method)) {
            return reject(Outcome.METHOD_NOT_ALLOWED, "method " + method + " is not allowed", ALLOW, start);
        }
        if (contentLength > maxBodyBytes) {
            return reject(Outcome.PAYLOAD_TOO_LARGE, tooLarge(), CLOSE, start);
        }
        byte[] bytes;
        try {
            bytes = readBody(body, contentLength);
        } catch (IOException e) {
            return reject(Outcome.BODY_UNREADABLE, "body could not be read", Map.of(), start);
        }
        if (bytes == null) {
            return reject(Outcome.PAYLOAD_TOO_LARGE, tooLarge(), CLOSE, start);
        }
        return admit(new DeliveryRequest(method, headers, bytes), start);
    }

    private Admission admit(DeliveryRequest request, long start) {
        Objects.requireNonNull(request, "request");
        if (!METHODS.contains(request.method())) {
            return reject(Outcome.METHOD_NOT_ALLOWED, "method " + request.method() + " is not allowed", ALLOW,
                    start);
        }
        byte[] body = request.body();
        if (body.length > maxBodyBytes) {
            return reject(Outcome.PAYLOAD_TOO_LARGE, tooLarge(), CLOSE, start);
        }
        VerificationResult verification = verifier.verify(request.headers().all(verifier.scheme().headerName()), body);
        if (!verification.isValid()) {
            return reject(signatureOutcome(verification.status()), signatureMessage(verification.status()),
                    Map.of(), start);
        }
        String keyLabel = verification.keyLabel().orElseThrow();
        WebhookEvent event;
        try {
            event = parser.parse(body);
        } catch (InvalidPayloadException e) {
            return reject(new DeliveryResult(Outcome.INVALID_PAYLOAD, 400, e.getMessage(), Optional.empty(),
                    Optional.empty(), Optional.of(keyLabel), Map.of()), start, null);
        }
        String key;
        try {
            key = keyExtractor.keyFor(event);
            if (key == null || key.isEmpty() || key.length() > IdempotencyKeyExtractor.MAX_LENGTH) {
                throw new IllegalStateException("idempotency key must be 1 to "
                        + IdempotencyKeyExtractor.MAX_LENGTH + " characters");
            }
        } catch (RuntimeException e) {
            return reject(result(Outcome.HANDLER_FAILED, "idempotency key could not be computed", event, null,
                    keyLabel, Map.of()), start, e);
        }
        String owner = node + Long.toString(sequence.incrementAndGet(), 36);
        ClaimResult claim;
        try {
            claim = store.claim(key, owner, lease);
        } catch (RuntimeException e) {
            return reject(result(Outcome.STORE_UNAVAILABLE, "idempotency store is unavailable", event, key,
                    keyLabel, Map.of()), start, e);
        }
        switch (claim) {
            case CLAIMED:
                DeliveryContext context = new DeliveryContext(key, keyLabel, clock.instant(), request.headers());
                return Admission.admitted(this, event, context, owner, start);
            case COMPLETED:
                return reject(result(Outcome.DUPLICATE, "event was already processed", event, key, keyLabel,
                        Map.of()), start, null);
            default:
                return reject(result(Outcome.IN_PROGRESS, "event is being processed by another delivery", event,
                        key, keyLabel, retryAfter), start, null);
        }
    }

    private DeliveryResult dispatch(Admission admission) {
        WebhookEvent event = admission.event();
        DeliveryContext context = admission.context();
        if (acknowledgeFastExecutor == null) {
            Throwable failure = runHandlers(event, context);
            return admission.finishInternal(failure == null ? 200 : 500, failure);
        }
        try {
            acknowledgeFastExecutor.execute(() -> {
                Throwable failure = runHandlers(event, context);
                admission.finishInternal(failure == null ? 200 : 500, failure);
            });
        } catch (RejectedExecutionException e) {
            releaseQuietly(context.idempotencyKey(), admission);
            return log(result(Outcome.OVERLOADED, "receiver is overloaded; retry later", event,
                    context.idempotencyKey(), context.keyLabel(), Map.of()), admission.startNanos(), e);
        }
        return log(result(Outcome.ACCEPTED, "event accepted for processing", event, context.idempotencyKey(),
                context.keyLabel(), Map.of()), admission.startNanos(), null);
    }

    private Throwable runHandlers(WebhookEvent event, DeliveryContext context) {
        EventHandler<WebhookEvent>[] handlers = routes.get(event.getClass());
        try {
            for (EventHandler<WebhookEvent> handler : handlers) {
                handler.handle(event, context);
            }
            return null;
        } catch (Throwable e) {
            // Errors too: an escaping AssertionError or StackOverflowError would leave the claim held until its
            // lease ran out, and every retry meanwhile would be answered 409.
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return e;
        }
    }

    // Ends an admitted delivery: a 2xx status completes the claim, anything else releases it.
    DeliveryResult finishAdmitted(WebhookEvent event, DeliveryContext context, String owner, long start, int status,
                                  Throwable failure) {
        String key = context.idempotencyKey();
        if (failure == null && status >= 200 && status < 300) {
            try {
                if (!store.complete(key, owner, retention)) {
                    LOG.warn("refold delivery key={} finished after its lease of {} ran out; another delivery may"
                            + " process the event again", printable(key), lease);
                }
            } catch (RuntimeException e) {
                LOG.warn("refold delivery key={} was processed but could not be recorded as done: {}",
                        printable(key), e.toString());
            }
            return log(new DeliveryResult(Outcome.PROCESSED, status, "event processed", Optional.of(event),
                    Optional.of(key), Optional.of(context.keyLabel()), Map.of()), start, null);
        }
        try {
            store.release(key, owner);
        } catch (RuntimeException e) {
            LOG.warn("refold delivery key={} could not be released; it is retried once its lease runs out: {}",
                    printable(key), e.toString());
        }
        int answered = failure != null || status < 400 ? 500 : status;
        String message = failure != null ? "handler failed; the event will be retried"
                : "application answered " + status + "; the event will be retried";
        return log(new DeliveryResult(Outcome.HANDLER_FAILED, answered, message, Optional.of(event),
                Optional.of(key), Optional.of(context.keyLabel()), Map.of()), start, failure);
    }

    private void releaseQuietly(String key, Admission admission) {
        try {
            admission.releaseInternal(store);
        } catch (RuntimeException e) {
            LOG.warn("refold delivery key={} could not be released: {}", printable(key), e.toString());
        }
    }

    private Admission reject(Outcome outcome, String message, Map<String, String> headers, long start) {
        return reject(new DeliveryResult(outcome, outcome.httpStatus(), message, Optional.empty(), Optional.empty(),
                Optional.empty(), headers), start, null);
    }

    private Admission reject(DeliveryResult result, long start, Throwable cause) {
        return Admission.rejected(log(result, start, cause));
    }

    private static DeliveryResult result(Outcome outcome, String message, WebhookEvent event, String key,
                                         String keyLabel, Map<String, String> headers) {
        return new DeliveryResult(outcome, outcome.httpStatus(), message, Optional.ofNullable(event),
                Optional.ofNullable(key), Optional.ofNullable(keyLabel), headers);
    }

    private DeliveryResult log(DeliveryResult result, long start, Throwable cause) {
        if (listeners.length > 0) {
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            for (DeliveryListener listener : listeners) {
                try {
                    listener.onDelivery(result, elapsed);
                } catch (RuntimeException e) {
                    LOG.warn("delivery listener {} failed: {}", listener.getClass().getName(), e.toString());
                }
            }
        }
        int status = result.status();
        if (status >= 500) {
            if (LOG.isErrorEnabled()) {
                LOG.error("refold delivery outcome={} status={} event={} key={} took={}us", result.outcome().code(),
                        status, eventName(result), printable(result.idempotencyKey().orElse("-")), micros(start),
                        cause);
            }
        } else if (status >= 400 && status != 409) {
            if (LOG.isWarnEnabled()) {
                LOG.warn("refold delivery outcome={} status={} event={} reason=\"{}\" took={}us",
                        result.outcome().code(), status, eventName(result), printable(result.message()),
                        micros(start));
            }
        } else if (LOG.isInfoEnabled()) {
            LOG.info("refold delivery outcome={} status={} event={} key={} keyLabel={} took={}us",
                    result.outcome().code(), status, eventName(result),
                    printable(result.idempotencyKey().orElse("-")), result.keyLabel().orElse("-"), micros(start));
        }
        return result;
    }

    private static String eventName(DeliveryResult result) {
        return printable(result.event().map(e -> e.eventName().orElse("unknown")).orElse("-"));
    }

    // Values that come from a signed body may still hold line breaks; escaped, they cannot forge a log line.
    static String printable(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                StringBuilder escaped = new StringBuilder(value.length() + 8).append(value, 0, i);
                for (int j = i; j < value.length(); j++) {
                    char d = value.charAt(j);
                    if (d < 0x20 || d == 0x7f) {
                        escaped.append(String.format("\\u%04x", (int) d));
                    } else {
                        escaped.append(d);
                    }
                }
                return escaped.toString();
            }
        }
        return value;
    }

    private static long micros(long start) {
        return (System.nanoTime() - start) / 1000;
    }

    private String tooLarge() {
        return "body is larger than " + maxBodyBytes + " bytes";
    }

    private static Outcome signatureOutcome(VerificationResult.Status status) {
        switch (status) {
            case MISSING: return Outcome.SIGNATURE_MISSING;
            case MALFORMED: return Outcome.SIGNATURE_MALFORMED;
            case AMBIGUOUS: return Outcome.SIGNATURE_AMBIGUOUS;
            default: return Outcome.SIGNATURE_MISMATCH;
        }
    }

    private String signatureMessage(VerificationResult.Status status) {
        String header = verifier.scheme().headerName();
        switch (status) {
            case MISSING: return header + " header is missing";
            case MALFORMED: return header + " header is not a hex HMAC-SHA256 signature";
            case AMBIGUOUS: return header + " header was sent more than once with different values";
            default: return "signature does not match";
        }
    }

    // Reads at most maxBodyBytes; returns null if the body is longer.
    private byte[] readBody(InputStream in, long contentLength) throws IOException {
        if (contentLength >= 0) {
            byte[] bytes = in.readNBytes((int) contentLength);
            if (bytes.length < contentLength) {
                throw new IOException("body ended before its declared length");
            }
            return bytes;
        }
        byte[] buffer = new byte[(int) Math.min(8192L, (long) maxBodyBytes + 1)];
        int length = 0;
        while (true) {
            if (length == buffer.length) {
                if (length > maxBodyBytes) {
                    return null;
                }
                buffer = Arrays.copyOf(buffer, (int) Math.min((long) maxBodyBytes + 1, 2L * buffer.length));
            }
            int read = in.read(buffer, length, buffer.length - length);
            if (read < 0) {
                break;
            }
            length += read;
        }
        if (length > maxBodyBytes) {
            return null;
        }
        return length == buffer.length ? buffer : Arrays.copyOf(buffer, length);
    }

    @SuppressWarnings({"unchecked", "rawtypes"}) // generic array creation
    private static Map<Class<?>, EventHandler<WebhookEvent>[]> route(List<Registration> handlers) {
        Map<Class<?>, EventHandler<WebhookEvent>[]> routes = new IdentityHashMap<>();
        for (Class<? extends WebhookEvent> type : CONCRETE_TYPES) {
            List<EventHandler<WebhookEvent>> matching = new ArrayList<>();
            for (Registration registration : handlers) {
                if (registration.type.isAssignableFrom(type)) {
                    matching.add(registration.handler);
                }
            }
            routes.put(type, matching.toArray(new EventHandler[0]));
        }
        return routes;
    }

    @Override
    public String toString() {
        return "WebhookReceiver[header=" + verifier.scheme().headerName() + ", keys=" + verifier.keyLabels()
                + ", store=" + store.getClass().getSimpleName() + ", maxBodyBytes=" + maxBodyBytes
                + ", lease=" + lease + ", retention=" + retention
                + (acknowledgeFastExecutor != null ? ", acknowledgeFast" : "") + "]";
    }

    private record Registration(Class<? extends WebhookEvent> type, EventHandler<WebhookEvent> handler) {
    }

    /**
     * Configures a {@link WebhookReceiver}. Setters validate at once and throw as documented; the builder is not
     * thread-safe, and building closes nothing: each {@link #build()} makes an independent receiver.
     */
    public static final class Builder {
        private final SignatureVerifier.Builder verifier = SignatureVerifier.builder();
        private int keyCount;
        private final List<Registration> handlers = new ArrayList<>();
        private IdempotencyStore store;
        private IdempotencyKeyExtractor keyExtractor = IdempotencyKeyExtractor.standard();
        private int maxBodyBytes = 1 << 20;
        private Duration lease = Duration.ofSeconds(30);
        private Duration retention = Duration.ofDays(7);
        private Clock clock = Clock.systemUTC();
        private ReadLimits readLimits;
        private Executor acknowledgeFastExecutor;
        private final List<DeliveryListener> listeners = new ArrayList<>();

        private Builder() {
        }

        /**
         * Adds a listener told of every delivery's result, for metrics; listeners run in the order added.
         *
         * @throws NullPointerException if {@code listener} is null
         */
        public Builder listener(DeliveryListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Adds a Refold API key under a label, for example {@code "test"} or {@code "live"}. A delivery is valid if
         * any key verifies it; keys are tried in the order added. Add the old and the new key while rotating.
         *
         * @throws NullPointerException     if an argument is null
         * @throws IllegalArgumentException if the label is blank or already used, or the key is empty
         */
        public Builder signingKey(String label, String apiKey) {
            return signingKey(SigningKey.of(label, apiKey));
        }

        /**
         * Adds a key; see {@link #signingKey(String, String)}.
         *
         * @throws NullPointerException     if {@code key} is null
         * @throws IllegalArgumentException if a key with the same label was already added
         */
        public Builder signingKey(SigningKey key) {
            verifier.key(key);
            keyCount++;
            return this;
        }

        /**
         * Sets where the signature is read; {@link SignatureScheme#refold()} by default.
         *
         * @throws NullPointerException if {@code scheme} is null
         */
        public Builder signatureScheme(SignatureScheme scheme) {
            verifier.scheme(scheme);
            return this;
        }

        /**
         * Registers a handler for events of {@code type}: a concrete event such as {@code WorkflowErrored.class},
         * a family such as {@code ConnectionEvent.class}, {@code UnknownEvent.class}, or {@code WebhookEvent.class}
         * for all. Every matching handler runs, in registration order.
         *
         * @throws NullPointerException if an argument is null
         */
        @SuppressWarnings("unchecked")
        public <E extends WebhookEvent> Builder on(Class<E> type, EventHandler<? super E> handler) {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(handler, "handler");
            handlers.add(new Registration(type, (EventHandler<WebhookEvent>) handler));
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
         * Sets the store that deduplicates deliveries; by default an {@link InMemoryIdempotencyStore} on this
         * builder's clock, right for a single instance.
         *
         * @throws NullPointerException if {@code store} is null
         */
        public Builder idempotencyStore(IdempotencyStore store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /**
         * Sets how an event maps to its idempotency key; {@link IdempotencyKeyExtractor#standard()} by default.
         *
         * @throws NullPointerException if {@code extractor} is null
         */
        public Builder idempotencyKeys(IdempotencyKeyExtractor extractor) {
            this.keyExtractor = Objects.requireNonNull(extractor, "extractor");
            return this;
        }

        /**
         * Sets the largest body accepted, in bytes; 1 MiB by default. Larger bodies are answered 413.
         *
         * @throws IllegalArgumentException if {@code bytes} is not positive
         */
        public Builder maxBodyBytes(int bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("maxBodyBytes must be positive but was " + bytes);
            }
            this.maxBodyBytes = bytes;
            return this;
        }

        /**
         * Sets how long a claim holds before another delivery of the same event may take it over, which bounds
         * how long a crashed receiver delays the retry; 30 seconds by default. Handlers should finish well within
         * it.
         *
         * @throws IllegalArgumentException if {@code lease} is not positive
         */
        public Builder lease(Duration lease) {
            this.lease = requirePositive(lease, "lease");
            return this;
        }

        /**
         * Sets how long a processed event is remembered, so that later copies are recognised as duplicates; 7 days
         * by default. Refold signs no timestamp, so this is also how long a replayed delivery is refused.
         *
         * @throws IllegalArgumentException if {@code retention} is not positive
         */
        public Builder retention(Duration retention) {
            this.retention = requirePositive(retention, "retention");
            return this;
        }

        /**
         * Sets the clock for receive times and for the default store; the system UTC clock by default.
         *
         * @throws NullPointerException if {@code clock} is null
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Sets the parser's read limits; by default {@link ReadLimits#defaults()} capped at the body limit.
         *
         * @throws NullPointerException if {@code limits} is null
         */
        public Builder readLimits(ReadLimits limits) {
            this.readLimits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /**
         * Turns on acknowledge-fast mode: once an event is claimed, its handlers run on {@code executor} and the
         * delivery is answered 200 at once. A handler that then fails releases the event and is logged, but
         * Refold has its 200 and will not retry: use this only when the handlers cannot fail or handle their own
         * retries. If the executor refuses the work, the delivery is answered 503 and Refold retries.
         *
         * @throws NullPointerException if {@code executor} is null
         */
        public Builder acknowledgeFast(Executor executor) {
            this.acknowledgeFastExecutor = Objects.requireNonNull(executor, "executor");
            return this;
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

        private static Duration requirePositive(Duration value, String name) {
            Objects.requireNonNull(value, name);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive but was " + value);
            }
            return value;
        }
    }
}
