package ai.refold.webhooks.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Sends one delivery the way Refold does: the body as given, its signature in a header. */
public final class DeliverySender {

    /**
     * The answer to a delivery.
     *
     * @param status the HTTP status the receiver answered with
     * @param body   the response body, decoded as UTF-8
     */
    public record Response(int status, String body) {
    }

    /** How long a connection may take to open. */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** How long the answer may take unless the constructor says otherwise. */
    public static final Duration DEFAULT_ANSWER_TIMEOUT = Duration.ofSeconds(30);

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(CONNECT_TIMEOUT)
            .build();
    private final Duration answerTimeout;

    /** A sender that waits {@link #DEFAULT_ANSWER_TIMEOUT} for each answer. */
    public DeliverySender() {
        this(DEFAULT_ANSWER_TIMEOUT);
    }

    /**
     * A sender that waits {@code answerTimeout} for each answer.
     *
     * @param answerTimeout how long to wait for each whole answer, body included, from sending the request
     */
    public DeliverySender(Duration answerTimeout) {
        this.answerTimeout = answerTimeout;
    }

    /**
     * Sends {@code body} to {@code url} with {@code method}, signed by {@code signature} in {@code header}.
     *
     * @param url       the receiver's webhook URL
     * @param method    the HTTP method, for example {@code "POST"}
     * @param body      the body, sent byte for byte as {@code application/json}
     * @param header     the name of the signature header, for example {@code x-cobalt-signature}
     * @param signature the signature header's value, or null to send none
     * @return the receiver's answer
     * @throws IOException          if the connection fails or the answer does not arrive in time
     * @throws InterruptedException if the thread is interrupted while waiting for the answer
     */
    public Response send(URI url, String method, byte[] body, String header, String signature)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(url)
                .timeout(answerTimeout)
                .header("Content-Type", "application/json")
                .header("User-Agent", "refold-webhooks-sender")
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body));
        if (signature != null) {
            request.header(header, signature);
        }
        // The request's timeout covers only the wait for the answer's headers: the whole answer, body included, must
        // arrive within it too, or a receiver that stalls mid-body would hang the tool.
        CompletableFuture<HttpResponse<String>> answer = client.sendAsync(request.build(),
                HttpResponse.BodyHandlers.ofString());
        try {
            HttpResponse<String> response = answer.get(answerTimeout.toMillis(), TimeUnit.MILLISECONDS);
            return new Response(response.statusCode(), response.body());
        } catch (TimeoutException e) {
            answer.cancel(true);
            throw new HttpTimeoutException("the whole answer did not arrive within " + answerTimeout);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Error error) {
                throw error;
            }
            if (cause instanceof RuntimeException unchecked) {
                throw unchecked;
            }
            throw cause instanceof IOException io ? io : new IOException(cause);
        } catch (InterruptedException e) {
            answer.cancel(true);
            throw e;
        }
    }
}
