package ai.refold.webhooks.hardening;

import ai.refold.webhooks.Outcome;
import ai.refold.webhooks.WebhookReceiver;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Sends a catalogue row to an adapter over real HTTP and checks the answer, for every adapter alike. */
public final class OverHttp {

    private OverHttp() {
    }

    /**
     * Sends {@code row} to {@code endpoint} with a fresh client, so that a connection the server closed after an
     * earlier hostile row is never reused.
     */
    public static HttpResponse<String> send(URI endpoint, HostileRequest row) throws IOException, InterruptedException {
        HostileRequest.Request request = row.request().get();
        HttpRequest.BodyPublisher body = request.contentLength() < 0
                ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(request.body()))
                : HttpRequest.BodyPublishers.ofByteArray(request.body());
        HttpRequest.Builder builder = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(60))
                .method(request.method(), body);
        for (HostileRequest.Header header : request.headers()) {
            builder.header(header.name(), header.value());
        }
        HttpClient fresh = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        return fresh.send(builder.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Asserts that {@code response} is the answer core gives {@code row}, and that the handler ran as expected. */
    public static void assertAnswer(HostileRequest row, HttpResponse<String> response, CatalogueReceiver fixture) {
        Outcome expected = row.expected();
        assertThat(response.statusCode()).as("status, answering %s", response.body())
                .isEqualTo(expected.httpStatus());
        assertThat(response.body()).startsWith("{\"status\":\"" + expected.code() + "\",\"reason\":\"")
                .doesNotContain("Exception", "\tat ");
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/json"));
        if (expected == Outcome.METHOD_NOT_ALLOWED) {
            assertThat(response.headers().firstValue("Allow"))
                    .hasValue(String.join(", ", WebhookReceiver.METHODS));
        }
        int handlerRuns = expected == Outcome.PROCESSED || expected == Outcome.HANDLER_FAILED ? 1 : 0;
        assertThat(fixture.handled()).as("handler runs").hasSize(handlerRuns);
    }
}
