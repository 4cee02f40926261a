package ai.refold.webhooks.spring.reactive;

import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.spring.autoconfigure.RefoldWebhookProperties;
import ai.refold.webhooks.test.hardening.CatalogueReceiver;
import ai.refold.webhooks.test.hardening.HostileRequest;
import ai.refold.webhooks.test.hardening.HostileRequests;
import ai.refold.webhooks.test.hardening.OverHttp;

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
 * Sends the catalogue rows an HTTP client can express, whose limits are the ones this application is configured
 * with, to the auto-configured WebFilter on Reactor Netty, with Spring Security on the classpath, and expects the
 * answer core gives: exactly the rows and answers of the servlet starter on Tomcat, none of them different on
 * Netty. Only the store and the handler are the row's, through {@link ReactiveCatalogueApplication.CurrentRow}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class HostileRequestsOverWebFlux {

    static final List<Integer> LIMITS = List.of(1 << 20, 8 << 20, 64 << 20);

    @Value("${local.server.port}")
    int port;

    @Autowired
    WebhookReceiver receiver;

    @Autowired
    ReactiveCatalogueApplication.CurrentRow currentRow;

    @Autowired
    RefoldWebhookProperties properties;

    List<HostileRequest> rows() {
        return HostileRequests.overHttp().stream().filter(this::runsHere).toList();
    }

    boolean runsHere(HostileRequest row) {
        return row.maxBodyBytes() == receiver.maxBodyBytes()
                && row.readDeadline().equals(properties.getReadDeadline())
                && row.bodyBudgetBytes() == properties.getBodyBudget().toBytes();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void aHostileRequestGetsTheSameAnswerThroughTheStarterOnNettyAsInCore(HostileRequest row) throws Exception {
        CatalogueReceiver fixture = CatalogueReceiver.forRow(row);
        currentRow.set(fixture);
        OverHttp.assertAnswer(row, OverHttp.send(URI.create("http://127.0.0.1:" + port + "/webhooks/refold"), row),
                fixture);
    }

    @Test
    void someRowsRunUnderThisConfiguration() {
        assertThat(LIMITS).contains(receiver.maxBodyBytes());
        assertThat(rows()).isNotEmpty();
    }
}
