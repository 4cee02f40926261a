package ai.refold.webhooks.event;

import ai.refold.webhooks.WebhookException;

import java.util.Objects;

/**
 * Thrown when a body cannot be read as a Refold event. The message names the problem and, where there is one, the
 * field; it never repeats the body.
 */
public final class InvalidPayloadException extends WebhookException {

    private static final long serialVersionUID = 1L;

    /** Why a payload was rejected. */
    public enum Reason {
        /** The body is empty or only white space. */
        EMPTY,
        /** The body is not well-formed JSON (including invalid UTF-8 and trailing content). */
        MALFORMED_JSON,
        /** The top level is an array or a scalar, not an object. */
        NOT_AN_OBJECT,
        /** A documented field has a type other than string. */
        WRONG_FIELD_TYPE,
        /** A documented field appears twice, so its value is ambiguous. */
        DUPLICATE_FIELD,
        /** The body exceeds a read limit: nesting depth, string, number or name length. */
        LIMIT_EXCEEDED,
        /** The body is JSON but does not bind to the type a handler asked for with {@link RawPayload#as}. */
        DOES_NOT_BIND
    }

    /** Why the payload was rejected; never null. */
    private final Reason reason;

    /**
     * Creates an exception.
     *
     * @param reason  why the payload was rejected
     * @param message what is wrong, naming the field where there is one, without repeating the body
     * @throws NullPointerException if {@code reason} is null
     */
    public InvalidPayloadException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /**
     * Creates an exception with the parser's failure that caused it.
     *
     * @param reason  why the payload was rejected
     * @param message what is wrong, naming the field where there is one, without repeating the body
     * @param cause   the JSON library's failure
     * @throws NullPointerException if {@code reason} is null
     */
    public InvalidPayloadException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** {@return why the payload was rejected} */
    public Reason reason() {
        return reason;
    }
}
