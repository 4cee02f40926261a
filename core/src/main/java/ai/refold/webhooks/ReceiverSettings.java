package ai.refold.webhooks;

import ai.refold.webhooks.event.ReadLimits;
import ai.refold.webhooks.idempotency.IdempotencyKeyExtractor;
import ai.refold.webhooks.idempotency.IdempotencyStore;
import ai.refold.webhooks.idempotency.InboxStore;
import ai.refold.webhooks.idempotency.InMemoryIdempotencyStore;
import ai.refold.webhooks.signature.SignatureScheme;
import ai.refold.webhooks.signature.SignatureVerifier;
import ai.refold.webhooks.signature.SigningKey;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * The settings of {@link WebhookReceiver.Builder} besides keys and handlers, with their defaults. Kept apart so that
 * each file reads in one sitting; users see these setters on the builder itself.
 */
abstract class ReceiverSettings {

    final SignatureVerifier.Builder verifier = SignatureVerifier.builder();
    int keyCount;
    final List<DeliveryListener> listeners = new ArrayList<>();
    IdempotencyStore store;
    IdempotencyKeyExtractor keyExtractor = IdempotencyKeyExtractor.standard();
    int maxBodyBytes = WebhookReceiver.DEFAULT_MAX_BODY_BYTES;
    Duration readDeadline = WebhookReceiver.DEFAULT_READ_DEADLINE;
    long bodyBudget = WebhookReceiver.DEFAULT_BODY_BUDGET_BYTES;
    Duration lease = WebhookReceiver.DEFAULT_LEASE;
    Duration retention = WebhookReceiver.DEFAULT_RETENTION;
    Duration contentKeyRetention = WebhookReceiver.DEFAULT_CONTENT_KEY_RETENTION;
    Duration retryWindow = WebhookReceiver.DEFAULT_RETRY_WINDOW;
    StoreRetries.Pause pause = duration -> Thread.sleep(duration.toMillis());
    boolean scheduledHeartbeats = true;
    InboxStore inbox;
    InboxOptions inboxOptions = InboxOptions.defaults();
    // The API keys given as text, kept only to mask them in the failures an inbox stores; never shown.
    final List<String> secrets = new ArrayList<>();
    Clock clock = Clock.systemUTC();
    ReadLimits readLimits;
    Executor acknowledgeFast;

    private static final Duration MAX_RETENTION = Duration.ofDays(3650);

    ReceiverSettings() {
    }

    /**
     * Adds a Refold API key under a label, for example {@code "test"} or {@code "live"}. A delivery is valid if
     * any key verifies it; keys are tried in the order added. Add the old and the new key while rotating.
     *
     * @param label  names the key in logs, metrics and {@link DeliveryContext#keyLabel()}, for example {@code "live"}
     * @param apiKey the Refold API key, which is the HMAC secret Refold signs with
     * @return this builder
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@link SigningKey#of} refuses the label or the key (a label over 200
     *                                  characters or with a control character), or the label is already used
     */
    public final WebhookReceiver.Builder signingKey(String label, String apiKey) {
        signingKey(SigningKey.of(label, apiKey));
        secrets.add(apiKey);
        return self();
    }

    /**
     * Adds a key; see {@link #signingKey(String, String)}.
     *
     * @param key the key, with its label
     * @return this builder
     * @throws NullPointerException     if {@code key} is null
     * @throws IllegalArgumentException if a key with the same label was already added
     */
    public final WebhookReceiver.Builder signingKey(SigningKey key) {
        verifier.key(key);
        keyCount++;
        return self();
    }

    /**
     * Sets where the signature is read; {@link SignatureScheme#refold()} by default.
     *
     * @param scheme the header the signature is read from, and its prefix
     * @return this builder
     * @throws NullPointerException if {@code scheme} is null
     */
    public final WebhookReceiver.Builder signatureScheme(SignatureScheme scheme) {
        verifier.scheme(scheme);
        return self();
    }

    /**
     * Adds a listener told of every delivery's result, for metrics; listeners run in the order added.
     *
     * @param listener observes each delivery's result and each handler run; it must be fast and must not throw
     * @return this builder
     * @throws NullPointerException if {@code listener} is null
     */
    public final WebhookReceiver.Builder listener(DeliveryListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return self();
    }

    /**
     * Sets the deduplicating store; by default an {@link InMemoryIdempotencyStore}, right for a single instance.
     *
     * @param store the store; one that every instance shares, such as a JDBC store, deduplicates across instances
     * @return this builder
     * @throws NullPointerException if {@code store} is null
     */
    public final WebhookReceiver.Builder idempotencyStore(IdempotencyStore store) {
        this.store = Objects.requireNonNull(store, "store");
        return self();
    }

    /**
     * Sets how an event maps to its idempotency key; {@link IdempotencyKeyExtractor#standard()} by default.
     *
     * @param extractor maps each event to the key it is deduplicated on
     * @return this builder
     * @throws NullPointerException if {@code extractor} is null
     */
    public final WebhookReceiver.Builder idempotencyKeys(IdempotencyKeyExtractor extractor) {
        this.keyExtractor = Objects.requireNonNull(extractor, "extractor");
        return self();
    }

    /**
     * Sets the largest body accepted; {@link WebhookReceiver#DEFAULT_MAX_BODY_BYTES} bytes by default.
     *
     * @param bytes the largest body accepted, in bytes; a larger one is answered 413
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is not positive
     */
    public final WebhookReceiver.Builder maxBodyBytes(int bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("maxBodyBytes must be positive but was " + bytes);
        }
        this.maxBodyBytes = bytes;
        return self();
    }

    /**
     * Sets how long a delivery's body may take to arrive, counted from when its headers were received;
     * {@link WebhookReceiver#DEFAULT_READ_DEADLINE} by default. A body still incomplete then is answered 408 and its
     * connection closed, so that a client sending a byte now and then cannot hold a thread or a connection for
     * long. An adapter that reads without blocking enforces it exactly; a blocking read is checked between reads and
     * is bounded by the container's read timeout, which the container settings of docs/servlet-containers.md complement.
     *
     * @param deadline how long a body may take to arrive, at most an hour
     * @return this builder
     * @throws IllegalArgumentException if {@code deadline} is not positive, or longer than an hour
     */
    public final WebhookReceiver.Builder readDeadline(Duration deadline) {
        this.readDeadline = requireBetween(deadline, "readDeadline", Duration.ZERO, Duration.ofHours(1));
        return self();
    }

    /**
     * Sets how many body bytes the receiver holds at once across all deliveries being read or handled;
     * {@link WebhookReceiver#DEFAULT_BODY_BUDGET_BYTES} by default. A body reserves its declared length before it
     * is read (a body of unknown length reserves its buffer as it grows); one the budget cannot hold is refused at
     * once with 503 and {@code Retry-After}, so that concurrent large bodies cannot exhaust the heap. Keep it at
     * least as large as {@link #maxBodyBytes(int)}, or the largest bodies are always refused.
     *
     * @param bytes how many body bytes all deliveries together may hold
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is not positive
     */
    public final WebhookReceiver.Builder bodyBudget(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("bodyBudget must be positive but was " + bytes);
        }
        this.bodyBudget = bytes;
        return self();
    }

    /**
     * Sets how long a claim holds, unless renewed, before another delivery of the same event may take it over;
     * {@link WebhookReceiver#DEFAULT_LEASE} by default. Claims are renewed every third of the lease while handlers
     * run (or wait in the acknowledge-fast queue), so handlers may take longer; the lease bounds how long a crashed
     * instance's claim delays a retry, and should be well inside the {@linkplain #retryWindow(Duration) retry window}.
     *
     * @param lease how long a claim holds unless renewed, at least {@link WebhookReceiver#MIN_LEASE} and at most a day
     * @return this builder
     * @throws IllegalArgumentException if {@code lease} is shorter than a second, or longer than a day
     */
    public final WebhookReceiver.Builder lease(Duration lease) {
        this.lease = requireBetween(lease, "lease", WebhookReceiver.MIN_LEASE, Duration.ofDays(1));
        return self();
    }

    /**
     * Sets how long a processed event is remembered, so that later copies are recognised as duplicates;
     * {@link WebhookReceiver#DEFAULT_RETENTION} by default. Refold signs no timestamp, so this is also how long a replayed
     * delivery is refused.
     *
     * @param retention how long a processed event's key is kept, at most 10 years
     * @return this builder
     * @throws IllegalArgumentException if {@code retention} is not positive, or longer than 10 years
     */
    public final WebhookReceiver.Builder retention(Duration retention) {
        this.retention = requireBetween(retention, "retention", Duration.ZERO, MAX_RETENTION);
        return self();
    }

    /**
     * Sets how long keys that fingerprint a body ({@code sha256:...}, for bodies without a natural key) are
     * remembered; {@link WebhookReceiver#DEFAULT_CONTENT_KEY_RETENTION} by default. Two equal bodies may be two
     * events, so this should cover Refold's retries of one delivery and little more.
     *
     * @param retention how long a body-fingerprint key is kept, at most 10 years
     * @return this builder
     * @throws IllegalArgumentException if {@code retention} is not positive, or longer than 10 years
     */
    public final WebhookReceiver.Builder contentKeyRetention(Duration retention) {
        this.contentKeyRetention = requireBetween(retention, "contentKeyRetention", Duration.ZERO, MAX_RETENTION);
        return self();
    }

    /**
     * Sets the span within which Refold's retries of one delivery are expected, to check the other durations
     * against; {@link WebhookReceiver#DEFAULT_RETRY_WINDOW} by default. Building warns when the lease is not well
     * inside it (a crashed instance's claim would outlast the retries) or a retention is shorter (a retry would run
     * the event again).
     *
     * @param window the span within which Refold retries one delivery
     * @return this builder
     * @throws IllegalArgumentException if {@code window} is not positive, or longer than 10 years
     */
    public final WebhookReceiver.Builder retryWindow(Duration window) {
        this.retryWindow = requireBetween(window, "retryWindow", Duration.ZERO, MAX_RETENTION);
        return self();
    }

    // For tests: how the receiver waits between retries of a completion the store failed.
    final WebhookReceiver.Builder pause(StoreRetries.Pause pause) {
        this.pause = Objects.requireNonNull(pause, "pause");
        return self();
    }

    // For tests that move time by hand: no heartbeat thread; the test renews claims through the heartbeats.
    final WebhookReceiver.Builder manualHeartbeats() {
        this.scheduledHeartbeats = false;
        return self();
    }

    // Logged once per receiver when its durations cannot cover Refold's retries, naming the settings.
    final void warnAboutRetries(DeliveryLog log) {
        if (lease.multipliedBy(2).compareTo(retryWindow) > 0) {
            log.config("refold receiver lease {} is not well inside the retry window {}: a crashed instance's claim"
                    + " may answer 409 to every retry", lease, retryWindow);
        }
        if (retention.compareTo(retryWindow) < 0 || contentKeyRetention.compareTo(retryWindow) < 0) {
            log.config("refold receiver retention {} or content-key retention {} is shorter than the retry window {}:"
                    + " a late retry runs the event again", retention, contentKeyRetention, retryWindow);
        }
    }

    /**
     * Sets the clock for receive times and for the default store; the system UTC clock by default.
     *
     * @param clock tells receive times, and the time of the default in-memory store
     * @return this builder
     * @throws NullPointerException if {@code clock} is null
     */
    public final WebhookReceiver.Builder clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return self();
    }

    /**
     * Sets the parser's read limits; by default {@link ReadLimits#defaults()} capped at the body limit.
     *
     * @param limits the limits on the JSON the parser reads
     * @return this builder
     * @throws NullPointerException if {@code limits} is null
     */
    public final WebhookReceiver.Builder readLimits(ReadLimits limits) {
        this.readLimits = Objects.requireNonNull(limits, "limits");
        return self();
    }

    final WebhookReceiver.Builder self() {
        return (WebhookReceiver.Builder) this;
    }

    // Durations are refused, never overflowed: a store adds them to its clock.
    private static Duration requireBetween(Duration value, String name, Duration minimum, Duration maximum) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero() || value.compareTo(minimum) < 0 || value.compareTo(maximum) > 0) {
            throw new IllegalArgumentException(name + " must be " + (minimum.isZero() ? "positive" : "at least "
                    + minimum) + " and at most " + maximum + " but was " + value);
        }
        return value;
    }
}
