package ai.refold.webhooks.subscription;

/** The HTTP methods Refold can deliver events with ({@code method}); the server's default is {@link #POST}. */
public enum DeliveryMethod {
    /** Deliver with {@code POST}; the server's default. */
    POST,
    /** Deliver with {@code PUT}. */
    PUT,
    /** Deliver with {@code PATCH}. */
    PATCH
}
