package ai.refold.webhooks;

import java.util.Objects;

/**
 * One HTTP request as a receiver sees it: method, headers and the body bytes exactly as sent. The request keeps
 * the body array without copying it; the caller must not change it afterwards.
 *
 * @param method  the HTTP method, for example {@code "POST"}
 * @param headers the request headers
 * @param body    the raw body
 */
public record DeliveryRequest(String method, Headers headers, byte[] body) {

    /**
     * Creates a request that holds {@code body} without copying it.
     *
     * @param method  the HTTP method, for example {@code "POST"}
     * @param headers the request headers
     * @param body    the raw body, exactly as sent
     * @throws NullPointerException if an argument is null
     */
    public DeliveryRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(body, "body");
    }

    /**
     * {@return a request with the given parts, holding {@code body} without copying it}
     *
     * @param method  the HTTP method, for example {@code "POST"}
     * @param headers the request headers
     * @param body    the raw body, exactly as sent
     * @throws NullPointerException if an argument is null
     */
    public static DeliveryRequest of(String method, Headers headers, byte[] body) {
        return new DeliveryRequest(method, headers, body);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof DeliveryRequest that && method.equals(that.method) && headers.equals(that.headers)
                && java.util.Arrays.equals(body, that.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(method, headers, java.util.Arrays.hashCode(body));
    }

    @Override
    public String toString() {
        return "DeliveryRequest[method=" + method + ", headers=" + headers + ", body=" + body.length + " bytes]";
    }
}
