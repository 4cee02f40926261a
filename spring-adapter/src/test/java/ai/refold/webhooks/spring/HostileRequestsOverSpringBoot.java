package ai.refold.webhooks.spring;

import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.spring.autoconfigure.RefoldWebhookProperties;
import ai.refold.webhooks.test.hardening.CatalogueReceiver;
import ai.refold.webhooks.test.hardening.HostileRequest;
import ai.refold.webhooks.test.hardening.OverHttp;
import ai.refold.webhooks.test.hardening.HostileRequests;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;

import java.net.URI;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sends the catalogue rows an HTTP client can express, whose body limit is the one this application is configured
 * with, to the auto-configured filter on real Tomcat, with Spring Security on the classpath, and expects the answer
 * core gives. The receiver, the filter, its path and its order are the starter's own; only the store and the handler
 * are the row's, through {@link CatalogueApplication.CurrentRow}. Each body limit in the catalogue has its subclass,
 * and so have the short read deadline and the small body budget of the rows about slow bodies and bytes in flight.
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

    @Autowired
    RefoldWebhookProperties properties;

    List<HostileRequest> rows() {
        return HostileRequests.overHttp().stream().filter(this::runsHere).toList();
    }

    // A row runs in the subclass whose application has the row's body limit, read deadline and body budget.
    boolean runsHere(HostileRequest row) {
        return row.maxBodyBytes() == receiver.maxBodyBytes()
                && row.readDeadline().equals(properties.getReadDeadline())
                && row.bodyBudgetBytes() == properties.getBodyBudget().toBytes();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void aHostileRequestGetsTheSameAnswerThroughTheStarterAsInCore(HostileRequest row) throws Exception {
        CatalogueReceiver fixture = CatalogueReceiver.forRow(row);
        currentRow.set(fixture);
        OverHttp.assertAnswer(row, OverHttp.send(URI.create("http://127.0.0.1:" + port + "/webhooks/refold"), row),
                fixture);
    }

    @Test
    void someRowsRunUnderThisBodyLimit() {
        assertThat(LIMITS).contains(receiver.maxBodyBytes());
        assertThat(rows()).isNotEmpty();
    }
}
