package ai.refold.webhooks;

/**
 * What the receiver did with a delivery, and the HTTP status that says so to Refold. Refold retries any answer but
 * 200, so only outcomes where the event is safely handled answer 200.
 */
public enum Outcome {
    /** The handlers ran and succeeded; the event is recorded as done. */
    PROCESSED(200),
    /** The event was already processed; the handlers were not run again. */
    DUPLICATE(200),
    /** Acknowledge-fast mode: the event is claimed and its handlers were handed to the executor. */
    ACCEPTED(200),
    /**
     * The event is verified but no registered handler takes it; it is acknowledged so that Refold stops retrying,
     * and reported once per event type per hour (see "What the receiver answers" in the README).
     */
    IGNORED(200),
    /** The method is not POST, PUT or PATCH. */
    METHOD_NOT_ALLOWED(405),
    /** The body is larger than the configured limit. */
    PAYLOAD_TOO_LARGE(413),
    /** The body could not be read from the connection: it ended early or the connection failed. */
    BODY_UNREADABLE(400),
    /** The body did not arrive within the read deadline; the connection is closed. */
    READ_TIMEOUT(408),
    /** No signature header, or an empty one. */
    SIGNATURE_MISSING(401),
    /** The signature header is not a hex HMAC-SHA256 in the expected form. */
    SIGNATURE_MALFORMED(401),
    /** The signature matches none of the configured keys: forged, altered, or signed with another key. */
    SIGNATURE_MISMATCH(401),
    /** The signature header was sent more than once with different values. */
    SIGNATURE_AMBIGUOUS(401),
    /** The signature is right but the body is not a JSON object this SDK can read. */
    INVALID_PAYLOAD(400),
    /** Another delivery of the same event is being processed right now; retry later. */
    IN_PROGRESS(409),
    /** A handler threw; the claim was released so that Refold's retry processes the event. */
    HANDLER_FAILED(500),
    /** The idempotency store could not answer; no handler ran. */
    STORE_UNAVAILABLE(503),
    /**
     * The executor refused the work (acknowledge-fast mode's, or the one an adapter processes deliveries on), or the
     * receiver is shutting down; nothing ran and any claim was released. Retry later.
     */
    OVERLOADED(503),
    /**
     * The bodies being read already hold the receiver's in-flight body budget; this one was refused before it was
     * read. Retry later.
     */
    BUSY(503);

    private final int httpStatus;
    private final String code;

    Outcome(int httpStatus) {
        this.httpStatus = httpStatus;
        this.code = name().toLowerCase(java.util.Locale.ROOT);
    }

    /** {@return the HTTP status answered for this outcome} */
    public int httpStatus() {
        return httpStatus;
    }

    /** {@return the machine-readable code used in responses and logs, for example {@code "signature_mismatch"}} */
    public String code() {
        return code;
    }

    /** {@return whether this outcome acknowledges the delivery (HTTP 200), so Refold will not retry it} */
    public boolean isAcknowledged() {
        return httpStatus == 200;
    }
}
