package ai.refold.webhooks.subscription;

import ai.refold.webhooks.signature.SigningKey;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Calls Refold's Create Webhook API with one API key. A key belongs to one environment, so a team that receives
 * both test and live events builds one client per key and registers the same {@link WebhookSubscription} with
 * each.
 *
 * <pre>{@code
 * RefoldWebhooksClient client = RefoldWebhooksClient.builder()
 *         .apiKey(System.getenv("REFOLD_LIVE_API_KEY"))
 *         .build();
 * CreatedWebhook created = client.createWebhook(subscription);
 * }</pre>
 *
 * <p>A client is immutable and thread-safe. The API key is sent only in the {@code x-api-key} header: it is never
 * logged, never part of an exception message, and {@link #toString()} masks it. Redirects are not followed.
 */
public final class RefoldWebhooksClient {

    /** Where Refold's API is served unless {@link Builder#baseUri(URI)} says otherwise. */
    public static final URI DEFAULT_BASE_URI = URI.create("https://app.refold.ai");

    static final String CREATE_WEBHOOK_PATH = "/api/v2/public/webhook";

    private static final Logger LOG = LoggerFactory.getLogger(RefoldWebhooksClient.class);
    private static final int MAX_RESPONSE_BYTES = 1 << 20;

    private final String apiKey;
    private final URI endpoint;
    private final Duration timeout;
    private final long timeoutNanos;
    private final HttpClient httpClient;

    private RefoldWebhooksClient(Builder builder) {
        this.apiKey = builder.apiKey;
        this.endpoint = endpoint(builder.baseUri);
        this.timeout = builder.timeout;
        this.timeoutNanos = saturatedNanos(builder.timeout);
        this.httpClient = builder.httpClient != null ? builder.httpClient : HttpClient.newBuilder()
                .connectTimeout(builder.timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** {@return a builder with the defaults described on each setter; an API key is required} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return the URL requests are sent to, for example {@code https://app.refold.ai/api/v2/public/webhook}} */
    public URI endpoint() {
        return endpoint;
    }

    /**
     * Registers a webhook in the environment of this client's API key and returns it as Refold created it.
     * The whole call, from connecting to reading the last byte of the answer, must end within the builder's
     * {@linkplain Builder#timeout(Duration) timeout}; if it does not, the request is cancelled. A call that fails is
     * not retried: a timeout or a network error after sending may leave a webhook behind.
     *
     * @param subscription the webhook to create: its URL, events and optional settings
     * @return the webhook as Refold created it, with its {@code _id}
     * @throws NullPointerException if {@code subscription} is null
     * @throws RefoldApiException   if Refold rejects the request, answers unexpectedly or cannot be reached; its
     *                              {@link RefoldApiException#reason()} says which
     */
    public CreatedWebhook createWebhook(WebhookSubscription subscription) {
        Objects.requireNonNull(subscription, "subscription");
        HttpRequest request = HttpRequest.newBuilder(endpoint)
                .timeout(timeout)
                .header("x-api-key", apiKey)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(CreateWebhookJson.encode(subscription)))
                .build();
        AtomicInteger answeredStatus = new AtomicInteger(); // known once the headers arrive, for a timeout's message
        CompletableFuture<HttpResponse<byte[]>> exchange = httpClient.sendAsync(request, answer -> {
            answeredStatus.set(answer.statusCode());
            return new BoundedBodySubscriber(MAX_RESPONSE_BYTES);
        });
        HttpResponse<byte[]> response;
        try {
            // the request's own timeout ends when the headers arrive; this deadline also covers the body
            response = exchange.get(timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            exchange.cancel(true);
            throw timedOut(answeredStatus.get(), e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof HttpTimeoutException) {
                throw timedOut(answeredStatus.get(), cause);
            }
            // As HttpClient.send threw them: an Error or an unchecked exception is not the network's.
            if (cause instanceof Error error) {
                throw error;
            }
            if (cause instanceof RuntimeException unchecked) {
                throw unchecked;
            }
            throw failure(RefoldApiException.Reason.NETWORK, "Create Webhook failed at " + endpoint + ": "
                    + cause.getClass().getSimpleName(), 0, null, null, cause);
        } catch (InterruptedException e) {
            exchange.cancel(true);
            Thread.currentThread().interrupt();
            throw failure(RefoldApiException.Reason.INTERRUPTED, "interrupted while waiting for Create Webhook at "
                    + endpoint, 0, null, null, e);
        }
        return read(response.statusCode(), response.body());
    }

    private RefoldApiException timedOut(int answeredStatus, Throwable cause) {
        String what = answeredStatus == 0 ? "Create Webhook did not answer"
                : "Create Webhook answered " + answeredStatus + " but its body did not arrive in full";
        return failure(RefoldApiException.Reason.TIMEOUT, what + " within " + timeout + " at " + endpoint
                + "; the webhook may or may not have been created", answeredStatus, null, null, cause);
    }

    private CreatedWebhook read(int status, byte[] body) {
        if (body.length > MAX_RESPONSE_BYTES) {
            throw failure(RefoldApiException.Reason.UNEXPECTED_RESPONSE, "Create Webhook answered " + status
                    + " with a body over " + MAX_RESPONSE_BYTES + " bytes", status, null, null, null);
        }
        if (status >= 200 && status < 300) {
            try {
                CreatedWebhook created = CreateWebhookJson.decodeCreated(body);
                LOG.info("Created Refold webhook {} in environment {} for {} event type(s)", created.id(),
                        created.environment(), created.events().size());
                return created;
            } catch (CreateWebhookJson.UnreadableResponse e) {
                String id = e.webhookId();
                throw failure(RefoldApiException.Reason.UNEXPECTED_RESPONSE, "Create Webhook answered " + status
                        + " but " + e.getMessage() + (id == null ? "; a webhook may have been created"
                                : "; webhook " + id + " was created"), status, null, id, null);
            }
        }
        ApiError error = CreateWebhookJson.decodeError(body, apiKey);
        RefoldApiException.Reason reason = reasonFor(status, error);
        StringBuilder message = new StringBuilder("Create Webhook answered ").append(status);
        if (error != null) {
            appendIfPresent(message, error.httpErrorType());
            appendIfPresent(message, error.error());
            if (error.message() != null) {
                message.append(": ").append(error.message());
            }
        } else if (reason == RefoldApiException.Reason.UNAUTHORIZED) {
            message.append(": check the API key");
        }
        throw failure(reason, message.toString(), status, error, null, null);
    }

    private static RefoldApiException.Reason reasonFor(int status, ApiError error) {
        if (status == 400) {
            return error != null ? RefoldApiException.Reason.BAD_REQUEST
                    : RefoldApiException.Reason.UNEXPECTED_RESPONSE;
        }
        if (status == 401) {
            return RefoldApiException.Reason.UNAUTHORIZED;
        }
        if (status == 403) {
            return RefoldApiException.Reason.FORBIDDEN;
        }
        if (status >= 500 && status < 600) {
            return RefoldApiException.Reason.SERVER_ERROR;
        }
        return RefoldApiException.Reason.UNEXPECTED_RESPONSE;
    }

    private static void appendIfPresent(StringBuilder message, String value) {
        if (value != null) {
            message.append(' ').append(value);
        }
    }

    private RefoldApiException failure(RefoldApiException.Reason reason, String message, int status, ApiError error,
            String webhookId, Throwable cause) {
        LOG.debug("Create Webhook failed ({}): {}", reason, message);
        return new RefoldApiException(reason, CreateWebhookJson.sanitise(message, apiKey), status, error, webhookId,
                cause);
    }

    private static long saturatedNanos(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE; // a timeout of centuries
        }
    }

    private static URI endpoint(URI baseUri) {
        String path = baseUri.getRawPath() == null ? "" : baseUri.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return URI.create(baseUri.getScheme() + "://" + baseUri.getRawAuthority() + path + CREATE_WEBHOOK_PATH);
    }

    @Override
    public String toString() {
        return "RefoldWebhooksClient[endpoint=" + endpoint + ", apiKey=****, timeout=" + timeout + "]";
    }

    /** Builds a {@link RefoldWebhooksClient}; each setter checks its argument at once. */
    public static final class Builder {
        private String apiKey;
        private URI baseUri = DEFAULT_BASE_URI;
        private Duration timeout = Duration.ofSeconds(30);
        private HttpClient httpClient;

        private Builder() {
        }

        /**
         * Sets the API key (Settings, Credentials in Refold); it decides the environment webhooks are created in.
         * Required. The key must pass {@link SigningKey#requireValidApiKey}, the policy every entry point applies
         * (no empty or blank key, no white space or control character, no unresolved {@code ${...}} placeholder).
         * Because the key travels in the {@code x-api-key} HTTP header, it must also be ASCII.
         *
         * @param apiKey the Refold API key, sent in the {@code x-api-key} header
         * @return this builder
         * @throws NullPointerException     if {@code apiKey} is null
         * @throws IllegalArgumentException if the key breaks that policy or holds a character outside ASCII; the
         *                                  message names the setting and never shows the key
         */
        public Builder apiKey(String apiKey) {
            SigningKey.requireValidApiKey(apiKey, "API key");
            for (int i = 0; i < apiKey.length(); i++) {
                // java.net.http sends U+0080..U+00FF as '?', and refuses the rest in a message that quotes it
                if (apiKey.charAt(i) > 0x7f) {
                    throw new IllegalArgumentException("API key contains a character outside ASCII, which the "
                            + "x-api-key header cannot carry");
                }
            }
            this.apiKey = apiKey;
            return this;
        }

        /**
         * Sets where Refold's API is served; {@link #DEFAULT_BASE_URI} by default. A path is kept as a prefix of
         * {@code /api/v2/public/webhook}, so a proxy mounted under a path works.
         *
         * @param baseUri where Refold's API is served, for example {@code https://app.refold.ai}
         * @return this builder
         * @throws NullPointerException     if {@code baseUri} is null
         * @throws IllegalArgumentException if it is not an absolute http or https URI with a host, or has user
         *                                  information, a query or a fragment
         */
        public Builder baseUri(URI baseUri) {
            Objects.requireNonNull(baseUri, "baseUri");
            String scheme = baseUri.getScheme();
            if (!"https".equals(scheme) && !"http".equals(scheme)) {
                throw new IllegalArgumentException("baseUri must be an absolute http or https URI");
            }
            if (baseUri.getHost() == null) {
                throw new IllegalArgumentException("baseUri must have a host");
            }
            if (baseUri.getRawUserInfo() != null || baseUri.getRawQuery() != null
                    || baseUri.getRawFragment() != null) {
                throw new IllegalArgumentException("baseUri must not have user information, a query or a fragment");
            }
            this.baseUri = baseUri;
            return this;
        }

        /**
         * Sets how long a call may take in all, from connecting to reading the last byte of Refold's answer (a
         * call still unfinished then is cancelled and fails with {@link RefoldApiException.Reason#TIMEOUT}), and
         * the connect timeout of the HTTP client this builder creates; 30 seconds by default.
         *
         * @param timeout how long a call may take, connecting and reading the whole answer included
         * @return this builder
         * @throws NullPointerException     if {@code timeout} is null
         * @throws IllegalArgumentException if {@code timeout} is zero or negative
         */
        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isZero() || timeout.isNegative()) {
                throw new IllegalArgumentException("timeout must be positive");
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * Sets the HTTP client to send with, for example to share one or to configure a proxy; by default the
         * client builds its own, which follows no redirects.
         *
         * @param httpClient the client requests are sent with; its own redirect and proxy settings apply
         * @return this builder
         * @throws NullPointerException if {@code httpClient} is null
         */
        public Builder httpClient(HttpClient httpClient) {
            this.httpClient = Objects.requireNonNull(httpClient, "httpClient");
            return this;
        }

        /**
         * Builds the client.
         *
         * @return a new client, safe for concurrent use
         * @throws IllegalStateException if no API key was set
         */
        public RefoldWebhooksClient build() {
            if (apiKey == null) {
                throw new IllegalStateException("an API key is required");
            }
            return new RefoldWebhooksClient(this);
        }

        @Override
        public String toString() {
            return "RefoldWebhooksClient.Builder[baseUri=" + baseUri + ", apiKey=" + (apiKey == null ? "(unset)"
                    : "****") + ", timeout=" + timeout + "]";
        }
    }
}
