package ai.refold.webhooks.spring;

import ai.refold.webhooks.Outcome;
import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.hardening.CatalogueReceiver;
import ai.refold.webhooks.hardening.HostileRequest;
import ai.refold.webhooks.hardening.HostileRequest.Header;
import ai.refold.webhooks.hardening.HostileRequest.Request;
import ai.refold.webhooks.hardening.HostileRequests;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sends the catalogue rows an HTTP client can express, whose body limit is the one this application is configured
 * with, to the auto-configured filter on real Tomcat, with Spring Security on the classpath, and expects the answer
 * core gives. The receiver, the filter, its path and its order are the starter's own; only the store and the handler
 * are the row's, through {@link CatalogueApplication.CurrentRow}. Each body limit in the catalogue has its subclass.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class HostileRequestsOverSpringBoot {

    /** The body limits the subclasses are configured with; every row over HTTP needs one of them. */
    static final List<Integer> LIMITS = List.of(1 << 20, 8 << 20, 64 << 20);

    @Value("${local.server.port}")
    int port;

    @Autowired
    WebhookReceiver receiver;

    @Autowired
    CatalogueApplication.CurrentRow currentRow;

    List<HostileRequest> rows() {
        return HostileRequests.overHttp().stream().filter(row -> row.maxBodyBytes() == receiver.maxBodyBytes())
                .toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void aHostileRequestGetsTheSameAnswerThroughTheStarterAsInCore(HostileRequest row) throws Exception {
        CatalogueReceiver fixture = CatalogueReceiver.forRow(row);
        currentRow.set(fixture);
        Request request = row.request().get();

        // A fresh client per row: a connection the server closed after an earlier hostile row is never reused.
        HttpClient fresh = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> response = fresh.send(httpRequest(request), HttpResponse.BodyHandlers.ofString());

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

    @Test
    void someRowsRunUnderThisBodyLimit() {
        assertThat(LIMITS).contains(receiver.maxBodyBytes());
        assertThat(rows()).isNotEmpty();
    }

    private HttpRequest httpRequest(Request request) {
        HttpRequest.BodyPublisher body = request.contentLength() < 0
                ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(request.body()))
                : HttpRequest.BodyPublishers.ofByteArray(request.body());
        URI endpoint = URI.create("http://127.0.0.1:" + port + "/webhooks/refold");
        HttpRequest.Builder builder = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(60))
                .method(request.method(), body);
        for (Header header : request.headers()) {
            builder.header(header.name(), header.value());
        }
        return builder.build();
    }
}
