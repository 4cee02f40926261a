package ai.refold.webhooks.test.hardening;

import ai.refold.webhooks.DeliveryRequest;
import ai.refold.webhooks.DeliveryResult;
import ai.refold.webhooks.Outcome;
import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.test.hardening.HostileRequest.CountingStream;
import ai.refold.webhooks.test.hardening.HostileRequest.Request;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class HostileRequestsTest {

    static List<HostileRequest> rows() {
        return HostileRequests.all();
    }

    static List<HostileRequest> plainRows() {
        return HostileRequests.all().stream().filter(row -> row.request().get().isPlain() && !row.streamOnly())
                .collect(Collectors.toList());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void aStreamedRequestGetsItsDefinedAnswer(HostileRequest row) {
        CatalogueReceiver fixture = CatalogueReceiver.forRow(row);
        Request request = row.request().get();
        CountingStream body = request.openStream();

        DeliveryResult result = fixture.receiver().receive(request.method(), request.coreHeaders(), body,
                request.contentLength());

        assertDefinedAnswer(row, fixture, result);
        long declared = request.contentLength() >= 0 ? request.contentLength() : Long.MAX_VALUE;
        assertThat(body.bytesRead()).as("bytes read from the stream")
                .isLessThanOrEqualTo(Math.min(declared, row.maxBodyBytes() + 1L));
        if (row.refusedBeforeBody()) {
            assertThat(body.bytesRead()).as("bytes read of a body refused from its headers").isZero();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("plainRows")
    void aBufferedRequestGetsTheSameAnswer(HostileRequest row) {
        CatalogueReceiver fixture = CatalogueReceiver.forRow(row);
        Request request = row.request().get();

        DeliveryResult result = fixture.receiver().receive(
                DeliveryRequest.of(request.method(), request.coreHeaders(), request.body()));

        assertDefinedAnswer(row, fixture, result);
    }

    @Test
    void theCatalogueHoldsAtLeastFortyRowsWithDistinctNamesAndCoversEveryRejection() {
        List<HostileRequest> rows = rows();
        Set<Outcome> covered = rows.stream().map(HostileRequest::expected)
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(Outcome.class)));

        assertThat(rows).hasSizeGreaterThanOrEqualTo(40);
        assertThat(rows.stream().map(HostileRequest::description).distinct()).hasSize(rows.size());
        assertThat(covered).containsAll(EnumSet.complementOf(EnumSet.of(Outcome.ACCEPTED, Outcome.OVERLOADED)));
        assertThat(HostileRequests.overHttp()).hasSizeGreaterThanOrEqualTo(40);
    }

    static void assertDefinedAnswer(HostileRequest row, CatalogueReceiver fixture, DeliveryResult result) {
        Outcome expected = row.expected();
        assertThat(result.outcome()).as("outcome, with reason \"%s\"", result.message()).isEqualTo(expected);
        assertThat(result.status()).isEqualTo(expected.httpStatus());
        assertThat(result.responseBody())
                .startsWith("{\"status\":\"" + expected.code() + "\",\"reason\":\"")
                .doesNotContain("Exception", "\tat ", "\n", HostileRequests.BODY_MARKER);
        assertThat(result.message().length()).as("reason length").isLessThanOrEqualTo(200);
        if (expected == Outcome.METHOD_NOT_ALLOWED) {
            assertThat(result.responseHeaders()).containsEntry("Allow", String.join(", ", WebhookReceiver.METHODS));
        }
        if (expected == Outcome.IN_PROGRESS) {
            assertThat(result.responseHeaders()).containsKey("Retry-After");
        }
        int handlerRuns = expected == Outcome.PROCESSED || expected == Outcome.HANDLER_FAILED ? 1 : 0;
        assertThat(fixture.handled()).as("handler runs").hasSize(handlerRuns);
    }
}
