package ai.refold.webhooks;

import ai.refold.webhooks.event.EventParser;
import ai.refold.webhooks.event.InvalidPayloadException;
import ai.refold.webhooks.event.WebhookEvent;
import ai.refold.webhooks.idempotency.ClaimResult;
import ai.refold.webhooks.idempotency.IdempotencyKeyExtractor;
import ai.refold.webhooks.signature.SignatureVerifier;
import ai.refold.webhooks.signature.VerificationResult;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The first half of every delivery, cheapest check first: method, size, signature, parsing, idempotency key,
 * claim. It ends in an {@link Admission}: admitted with its completion, or rejected with the answer to give.
 */
final class Pipeline {

    /** The methods a Refold subscription can deliver with. */
    static final List<String> METHODS = List.of("POST", "PUT", "PATCH");

    private static final Map<String, String> ALLOW = Map.of("Allow", String.join(", ", METHODS));
    // The unread rest of an oversized body is not worth draining: ask the client to close the connection.
    private static final Map<String, String> CLOSE = Map.of("Connection", "close");

    private final int maxBodyBytes;
    private final SignatureVerifier verifier;
    private final EventParser parser;
    private final IdempotencyKeyExtractor keyExtractor;
    private final Claims claims;
    private final Clock clock;
    private final DeliveryLog log;
    private final Inbox inbox;

    Pipeline(int maxBodyBytes, SignatureVerifier verifier, EventParser parser, IdempotencyKeyExtractor keyExtractor,
             Claims claims, Clock clock, Inbox inbox) {
        this.maxBodyBytes = maxBodyBytes;
        this.verifier = verifier;
        this.parser = parser;
        this.keyExtractor = keyExtractor;
        this.claims = claims;
        this.clock = clock;
        this.log = claims.log();
        this.inbox = inbox;
    }

    String signatureHeader() {
        return verifier.scheme().headerName();
    }

    /** Reads the body from a stream, refusing a wrong method or a declared length over the limit unread. */
    Admission admit(String method, Headers headers, InputStream body, long contentLength, long start) {
        if (!METHODS.contains(method)) {
            return methodNotAllowed(method, start);
        }
        if (contentLength > maxBodyBytes) {
            return tooLarge(start);
        }
        byte[] bytes;
        try {
            bytes = BodyReader.read(body, contentLength, maxBodyBytes);
        } catch (IOException e) {
            return reject(Outcome.BODY_UNREADABLE, "body could not be read", Map.of(), start);
        }
        if (bytes == null) {
            return tooLarge(start);
        }
        return admit(new DeliveryRequest(method, headers, bytes), start);
    }

    Admission admit(DeliveryRequest request, long start) {
        if (!METHODS.contains(request.method())) {
            return methodNotAllowed(request.method(), start);
        }
        byte[] body = request.body();
        if (body.length > maxBodyBytes) {
            return tooLarge(start);
        }
        String header = verifier.scheme().headerName();
        VerificationResult verification = verifier.verify(request.headers().all(header), body);
        if (!verification.isValid()) {
            return reject(signatureOutcome(verification.status()), signatureMessage(verification.status(), header),
                    Map.of(), start);
        }
        String keyLabel = verification.keyLabel().orElseThrow();
        WebhookEvent event;
        try {
            event = parser.parse(body);
        } catch (InvalidPayloadException e) {
            return reject(DeliveryResult.beforeParsing(Outcome.INVALID_PAYLOAD, e.getMessage(), keyLabel, Map.of()),
                    start, null);
        }
        String key;
        try {
            key = keyExtractor.keyFor(event);
            if (key == null || key.isEmpty()) {
                throw new IllegalStateException("idempotency key must not be empty");
            }
        } catch (RuntimeException e) {
            return reject(about(Outcome.HANDLER_FAILED, "idempotency key could not be computed", event, null,
                    keyLabel, Map.of()), start, e);
        }
        if (inbox != null) {
            return new Admission.Answered(inbox.intake(event, key, keyLabel, request.headers(), body,
                    clock.instant(), start));
        }
        String owner = claims.newOwner();
        ClaimResult claim;
        Set<String> done = Set.of();
        try {
            claim = claims.claim(key, owner);
        } catch (RuntimeException e) {
            return reject(about(Outcome.STORE_UNAVAILABLE, "idempotency store is unavailable", event, key,
                    keyLabel, Map.of()), start, e);
        }
        if (claim == ClaimResult.RECLAIMED || claim == ClaimResult.RESUMED) {
            try {
                done = claims.doneHandlers(key);
            } catch (RuntimeException e) {
                claims.release(key, owner, Set.of());
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
                DeliveryContext context = new DeliveryContext(key, keyLabel, clock.instant(), request.headers(),
                        claim == ClaimResult.RECLAIMED ? DeliveryContext.Attempt.RERUN : DeliveryContext.Attempt.FIRST);
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

    private Admission methodNotAllowed(String method, long start) {
        return reject(Outcome.METHOD_NOT_ALLOWED, "method " + method + " is not allowed", ALLOW, start);
    }

    private Admission tooLarge(long start) {
        return reject(Outcome.PAYLOAD_TOO_LARGE, "body is larger than " + maxBodyBytes + " bytes", CLOSE, start);
    }

    private Admission reject(Outcome outcome, String message, Map<String, String> headers, long start) {
        return reject(DeliveryResult.beforeParsing(outcome, message, null, headers), start, null);
    }

    private Admission reject(DeliveryResult result, long start, Throwable cause) {
        return new Admission.Answered(log.log(result, start, cause));
    }

    private static DeliveryResult about(Outcome outcome, String message, WebhookEvent event, String key,
                                        String keyLabel, Map<String, String> headers) {
        return new DeliveryResult(outcome, outcome.httpStatus(), message, event, key, keyLabel, headers);
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
