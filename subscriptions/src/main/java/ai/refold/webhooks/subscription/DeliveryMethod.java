package ai.refold.webhooks.subscription;

/** The HTTP methods Refold can deliver events with ({@code method}); the server's default is {@link #POST}. */
public enum DeliveryMethod {
    POST,
    PUT,
    PATCH
}
