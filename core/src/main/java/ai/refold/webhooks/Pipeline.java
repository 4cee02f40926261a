package ai.refold.webhooks;

import ai.refold.webhooks.event.EventParser;
import ai.refold.webhooks.event.InvalidPayloadException;
import ai.refold.webhooks.event.WebhookEvent;
import ai.refold.webhooks.idempotency.ClaimResult;
import ai.refold.webhooks.idempotency.IdempotencyKeyExtractor;
import ai.refold.webhooks.signature.SignatureVerifier;
import ai.refold.webhooks.signature.VerificationResult;

import java.io.InterruptedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeoutException;

import static ai.refold.webhooks.RefusalHeaders.ALLOW;
import static ai.refold.webhooks.RefusalHeaders.ALLOW_AND_CLOSE;
import static ai.refold.webhooks.RefusalHeaders.BUSY;
import static ai.refold.webhooks.RefusalHeaders.CLOSE;
import static ai.refold.webhooks.RefusalHeaders.RETRY_SOON;

/**
 * The first half of every delivery, cheapest check first: method, declared size and the signature header's shape
 * (no body byte read yet), the body read within the read deadline and the body budget, then the signature over the
 * body, parsing, a handler that takes the event, idempotency key and claim (or, in inbox mode, the store). It ends
 * in an {@link Admission}: admitted with its completion, or answered by the receiver itself.
 */
final class Pipeline {

    /** The methods a Refold subscription can deliver with. */
    static final List<String> METHODS = List.of("POST", "PUT", "PATCH");

    private final int maxBodyBytes;
    private final SignatureVerifier verifier;
    private final EventParser parser;
    private final IdempotencyKeyExtractor keyExtractor;
    private final Claims claims;
    private final Clock clock;
    private final DeliveryLog log;
    private final RouteTable routes;
    private final BodyBudget budget;
    private final long readDeadlineNanos;
    private final Inbox inbox;

    Pipeline(int maxBodyBytes, SignatureVerifier verifier, EventParser parser, IdempotencyKeyExtractor keyExtractor,
             Claims claims, Clock clock, RouteTable routes, BodyBudget budget, Duration readDeadline, Inbox inbox) {
        this.maxBodyBytes = maxBodyBytes;
        this.verifier = verifier;
        this.parser = parser;
        this.keyExtractor = keyExtractor;
        this.claims = claims;
        this.clock = clock;
        this.log = claims.log();
        this.routes = routes;
        this.budget = budget;
        this.readDeadlineNanos = readDeadline.toNanos();
        this.inbox = inbox;
    }

    String signatureHeader() {
        return verifier.scheme().headerName();
    }

    /**
     * Makes the checks that need no body byte: the method, the declared length and the signature header's
     * presence and shape. Returns the refusal, or null if the body is worth reading.
     */
    DeliveryResult beforeBody(String method, Headers headers, long contentLength, long start) {
        if (!METHODS.contains(method)) {
            // No length and no Transfer-Encoding is an empty body in HTTP/1.1 (a GET's): nothing to drain.
            boolean bodiless = contentLength == 0 || contentLength < 0 && headers.all("Transfer-Encoding").isEmpty();
            return refuse(Outcome.METHOD_NOT_ALLOWED, "method " + method + " is not allowed",
                    bodiless ? ALLOW : ALLOW_AND_CLOSE, start);
        }
        if (contentLength > maxBodyBytes) {
            return tooLarge(start);
        }
        String header = verifier.scheme().headerName();
        Optional<VerificationResult> refused = verifier.checkHeader(headers.all(header));
        if (refused.isPresent()) {
            VerificationResult.Status status = refused.get().status();
            return refuse(signatureOutcome(status), signatureMessage(status, header), contentLength == 0 ? Map.of()
                    : CLOSE, start);
        }
        return null;
    }

    /** Opens a reader for the body, its first bytes held against the budget; null if the budget cannot hold them. */
    BodyReader openReader(long contentLength) {
        return BodyReader.open(contentLength, maxBodyBytes, budget);
    }

    /** Returns when the body must have arrived, on the {@link System#nanoTime()} scale. */
    long deadline(long start) {
        return start + readDeadlineNanos;
    }

    /** Answers a body that outgrew the limit ({@code TOO_LARGE}) or the budget ({@code OVER_BUDGET}). */
    DeliveryResult stopped(BodyReader.Progress progress, long start) {
        return progress == BodyReader.Progress.TOO_LARGE ? tooLarge(start) : busy(start);
    }

    /** Answers a body that ended before its declared length. */
    DeliveryResult endedEarly(long start) {
        return refuse(Outcome.BODY_UNREADABLE, "body ended before its declared length", CLOSE, start);
    }

    /** Answers a body the budget could not hold, refused unread. */
    DeliveryResult busy(long start) {
        return refuse(Outcome.BUSY, "receiver is busy reading other deliveries; retry later", BUSY, start);
    }

    /** Answers a delivery whose executor refused to take its processing: nothing was claimed or run. */
    DeliveryResult overloaded(long start) {
        return refuse(Outcome.OVERLOADED, "receiver is overloaded; retry later", RETRY_SOON, start);
    }

    /** Answers a body that did not arrive within the read deadline. */
    DeliveryResult timedOut(long start) {
        return refuse(Outcome.READ_TIMEOUT, "body did not arrive within the read deadline of "
                + readDeadlineNanos / 1_000_000 + " ms", CLOSE, start);
    }

    /** Answers a connection that failed mid-body: a timeout (or a failure past the deadline) is 408, else 400. */
    DeliveryResult unreadable(Throwable cause, long start) {
        if (isTimeout(cause) || System.nanoTime() - deadline(start) >= 0) {
            return timedOut(start);
        }
        return refuse(Outcome.BODY_UNREADABLE, "body could not be read", CLOSE, start);
    }

    Admission admit(DeliveryRequest request, long start) {
        return admit(request, start, false);
    }

    /**
     * Verifies, parses and claims a delivery whose body is read. With {@code toHandlers}, an event no handler takes
     * is acknowledged as {@link Outcome#IGNORED} without a claim; without it (forward mode) the caller is the handler.
     */
    Admission admit(DeliveryRequest request, long start, boolean toHandlers) {
        if (!METHODS.contains(request.method())) {
            return new Admission.Answered(methodNotAllowed(request.method(), start));
        }
        byte[] body = request.body();
        if (body.length > maxBodyBytes) {
            return new Admission.Answered(tooLarge(start));
        }
        String header = verifier.scheme().headerName();
        VerificationResult verification = verifier.verify(request.headers().all(header), body);
        if (!verification.isValid()) {
            return new Admission.Answered(refuse(signatureOutcome(verification.status()),
                    signatureMessage(verification.status(), header), Map.of(), start));
        }
        String keyLabel = verification.keyLabel().orElseThrow();
        WebhookEvent event;
        try {
            event = parser.parse(body);
        } catch (InvalidPayloadException e) {
            return reject(DeliveryResult.beforeParsing(Outcome.INVALID_PAYLOAD, e.getMessage(), keyLabel, Map.of()),
                    start, null);
        }
        if (toHandlers && !routes.takes(event)) {
            return reject(about(Outcome.IGNORED, "no handler takes this event", event, null, keyLabel, Map.of()),
                    start, null);
        }
        String key;
        try {
            key = keyExtractor.keyFor(event);
            if (key == null || key.isEmpty()) {
                throw new IllegalStateException("idempotency key must not be empty");
            }
        } catch (RuntimeException | Error e) {
            // The extractor is the application's code, like a handler: its Error (an assertion, a linkage error) is
            // its failure, answered 500, never an exception left for the adapter to answer.
            return reject(about(Outcome.HANDLER_FAILED, "idempotency key could not be computed", event, null,
                    keyLabel, Map.of()), start, e);
        }
        if (inbox != null) {
            return new Admission.Answered(inbox.intake(event, key, keyLabel, request.headers(), body,
                    clock.instant(), start));
        }
        return claim(event, key, keyLabel, request.headers(), start);
    }

    // Claims the event for this delivery; an attempt that takes over an expired claim, or resumes a release with
    // progress, learns which handlers an earlier attempt recorded as done.
    private Admission claim(WebhookEvent event, String key, String keyLabel, Headers headers, long start) {
        String owner = claims.newOwner();
        ClaimResult claim;
        Set<String> done = Set.of();
        try {
            claim = claims.claim(key, owner);
        } catch (RuntimeException e) {
            return reject(about(Outcome.STORE_UNAVAILABLE, "idempotency store is unavailable", event, key,
                    keyLabel, Map.of()), start, e);
        }
        boolean rerun = claim == ClaimResult.RECLAIMED;
        if (claim == ClaimResult.RECLAIMED || claim == ClaimResult.RESUMED) {
            try {
                Set<String> recorded = claims.doneHandlers(key, owner);
                rerun |= recorded.contains(Claims.RERUN_MARK);
                done = Claims.handlersOnly(recorded);
            } catch (RuntimeException e) {
                // What earlier attempts did is unknown here but still recorded: the claim's lease ends, so that the
                // retry takes it over as a rerun and runs only the handlers not done (a release would forget them).
                claims.endLease(key, owner);
                return reject(about(Outcome.STORE_UNAVAILABLE, "idempotency store is unavailable", event, key,
                        keyLabel, Map.of()), start, e);
            }
        }
        switch (claim) {
            case CLAIMED:
            case RECLAIMED:
            case RESUMED:
                if (claim == ClaimResult.RECLAIMED) {
                    log.warn("refold delivery key={} took over a claim whose lease ran out: {}", key,
                            "an earlier attempt may have run its handlers, which now see a rerun");
                }
                DeliveryContext context = new DeliveryContext(key, keyLabel, clock.instant(), headers,
                        rerun ? DeliveryContext.Attempt.RERUN : DeliveryContext.Attempt.FIRST);
                return new Admission.Admitted(event, context, done, owner, start, claims);
            case COMPLETED:
                return reject(about(Outcome.DUPLICATE, "event was already processed", event, key, keyLabel,
                        Map.of()), start, null);
            default:
                return reject(about(Outcome.IN_PROGRESS, "event is being processed by another delivery", event,
                        key, keyLabel, retryAfter(key)), start, null);
        }
    }

    // The other delivery's claim holds for what is left of its lease (renewed while its handlers run), or for a
    // whole lease if the store cannot say.
    private Map<String, String> retryAfter(String key) {
        Duration remaining = claims.leaseRemaining(key).orElse(claims.lease());
        long seconds = Math.max(1, (remaining.toMillis() + 999) / 1000);
        return Map.of("Retry-After", Long.toString(seconds));
    }

    private DeliveryResult methodNotAllowed(String method, long start) {
        return refuse(Outcome.METHOD_NOT_ALLOWED, "method " + method + " is not allowed", ALLOW, start);
    }

    private DeliveryResult tooLarge(long start) {
        return refuse(Outcome.PAYLOAD_TOO_LARGE, "body is larger than " + maxBodyBytes + " bytes", CLOSE, start);
    }

    // A refusal about the request, before anything is known of the event.
    private DeliveryResult refuse(Outcome outcome, String message, Map<String, String> headers, long start) {
        return log.log(DeliveryResult.beforeParsing(outcome, message, null, headers), start, null);
    }

    private Admission reject(DeliveryResult result, long start, Throwable cause) {
        return new Admission.Answered(log.log(result, start, cause));
    }

    private static DeliveryResult about(Outcome outcome, String message, WebhookEvent event, String key,
                                        String keyLabel, Map<String, String> headers) {
        return new DeliveryResult(outcome, outcome.httpStatus(), message, event, key, keyLabel, headers);
    }

    // A read that timed out, as containers and sockets report it: a SocketTimeoutException, a TimeoutException
    // (Jetty's idle timeout), or a server's own (Netty's ReadTimeoutException, Reactor Netty's RequestTimeoutException)
    // somewhere in the causes.
    private static boolean isTimeout(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof InterruptedIOException || t instanceof TimeoutException
                    || t.getClass().getSimpleName().endsWith("TimeoutException")) {
                return true;
            }
        }
        return false;
    }

    private static Outcome signatureOutcome(VerificationResult.Status status) {
        switch (status) {
            case MISSING: return Outcome.SIGNATURE_MISSING;
            case MALFORMED: return Outcome.SIGNATURE_MALFORMED;
            case AMBIGUOUS: return Outcome.SIGNATURE_AMBIGUOUS;
            default: return Outcome.SIGNATURE_MISMATCH;
        }
    }

    private static String signatureMessage(VerificationResult.Status status, String header) {
        switch (status) {
            case MISSING: return header + " header is missing";
            case MALFORMED: return header + " header is not a hex HMAC-SHA256 signature";
            case AMBIGUOUS: return header + " header was sent more than once with different values";
            default: return "signature does not match";
        }
    }
}
