package ai.refold.webhooks.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Sends one delivery the way Refold does: the body as given, its signature in a header. */
public final class DeliverySender {

    /** The answer to a delivery. */
    public record Response(int status, String body) {
    }

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    /** Sends {@code body} to {@code url} with {@code method}, signed by {@code signature} in {@code header}. */
    public Response send(URI url, String method, byte[] body, String header, String signature)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(url)
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("User-Agent", "refold-webhooks-sender")
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body));
        if (signature != null) {
            request.header(header, signature);
        }
        HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Response(response.statusCode(), response.body());
    }
}
