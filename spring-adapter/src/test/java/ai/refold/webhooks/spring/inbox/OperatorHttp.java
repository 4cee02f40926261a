package ai.refold.webhooks.spring.inbox;

import ai.refold.webhooks.signature.SignatureScheme;
import ai.refold.webhooks.test.TestDeliveries;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Speaks HTTP to a running inbox application: deliveries as Refold sends them, Actuator calls as an operator. */
final class OperatorHttp {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final String base;

    OperatorHttp(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    HttpResponse<String> deliver(byte[] body) {
        return send(HttpRequest.newBuilder(URI.create(base + "/webhooks/refold"))
                .header("Content-Type", "application/json")
                .header(SignatureScheme.REFOLD_HEADER, TestDeliveries.withKey(InboxApplication.API_KEY).signature(body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    /** Calls {@code method path} as {@code user} (null for no credentials), with a JSON body unless it is null. */
    HttpResponse<String> call(String user, String method, String path, String json) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .header("Accept", "application/json")
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        if (user != null) {
            String credentials = user + ":" + InboxApplication.PASSWORD;
            request.header("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
        }
        return send(request);
    }

    /** Calls as the operator and returns the JSON answer, failing unless the status is {@code expected}. */
    JsonNode operator(String method, String path, String json, int expected) {
        HttpResponse<String> response = call(InboxApplication.OPERATOR, method, path, json);
        if (response.statusCode() != expected) {
            throw new AssertionError(method + " " + path + " answered " + response.statusCode() + ": "
                    + response.body());
        }
        try {
            return response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String segment(String key) {
        return URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
