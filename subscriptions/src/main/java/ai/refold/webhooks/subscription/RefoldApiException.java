package ai.refold.webhooks.subscription;

import ai.refold.webhooks.WebhookException;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Thrown when a call to the Create Webhook API does not create a webhook, or its answer cannot be read. The
 * {@link #reason()} says what went wrong; for a documented error body the fields Refold sent are kept.
 *
 * <p>The message is safe to log: it never contains the API key, the request body or a whole response body. Text
 * taken from the server's answer is shortened and has any occurrence of the key masked.
 */
public final class RefoldApiException extends WebhookException {

    private static final long serialVersionUID = 1L;

    /** Why the call failed. */
    public enum Reason {
        /** Refold answered 400 with its documented error body, for example {@code INVALID_EVENT}. */
        BAD_REQUEST,
        /** Refold answered 401: the API key is missing, wrong or revoked. */
        UNAUTHORIZED,
        /** Refold answered 403: the key may not create webhooks. */
        FORBIDDEN,
        /** Refold answered with a 5xx status; the call may be retried. */
        SERVER_ERROR,
        /**
         * No complete answer came within the client's timeout; the webhook may or may not have been created.
         * {@link #statusCode()} has the status when the headers came but the body did not.
         */
        TIMEOUT,
        /** The request could not be sent or the answer could not be read (connection refused, reset, TLS). */
        NETWORK,
        /** The calling thread was interrupted while waiting for the answer; its interrupt flag is set again. */
        INTERRUPTED,
        /**
         * Any other status (a redirect, 404, a 400 without the documented body), or a success whose body cannot be
         * read as a created webhook; in the latter case the webhook may have been created (see
         * {@link #webhookId()}).
         */
        UNEXPECTED_RESPONSE
    }

    /** Why the call failed; never null. */
    private final Reason reason;
    /** The HTTP status Refold answered with, or 0 if no answer arrived. */
    private final int statusCode;
    /** The error body's {@code http_error_type}, or null. */
    private final String httpErrorType;
    /** The error body's {@code error} code, or null. */
    private final String errorCode;
    /** The error body's {@code message}, shortened and masked, or null. */
    private final String apiMessage;
    /** The {@code _id} of a webhook created although its answer could not be read in full, or null. */
    private final String webhookId;

    RefoldApiException(Reason reason, String message, int statusCode, ApiError error, String webhookId,
            Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.statusCode = statusCode;
        this.httpErrorType = error == null ? null : error.httpErrorType();
        this.errorCode = error == null ? null : error.error();
        this.apiMessage = error == null ? null : error.message();
        this.webhookId = webhookId;
    }

    /** {@return why the call failed} */
    public Reason reason() {
        return reason;
    }

    /** {@return the HTTP status Refold answered with, or empty if no answer arrived} */
    public OptionalInt statusCode() {
        return statusCode > 0 ? OptionalInt.of(statusCode) : OptionalInt.empty();
    }

    /** {@return the error body's {@code http_error_type}, for example {@code "BAD_REQUEST"}, if it had one} */
    public Optional<String> httpErrorType() {
        return Optional.ofNullable(httpErrorType);
    }

    /** {@return the error body's {@code error} code, for example {@code "INVALID_EVENT"}, if it had one} */
    public Optional<String> errorCode() {
        return Optional.ofNullable(errorCode);
    }

    /** {@return the error body's human-readable {@code message}, shortened and masked, if it had one} */
    public Optional<String> apiMessage() {
        return Optional.ofNullable(apiMessage);
    }

    /**
     * {@return the {@code _id} of a webhook that was created although its answer could not be read in full, so it
     * can be found and removed; empty in every other case}
     */
    public Optional<String> webhookId() {
        return Optional.ofNullable(webhookId);
    }
}
