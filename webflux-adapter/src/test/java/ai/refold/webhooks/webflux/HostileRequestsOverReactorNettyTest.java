package ai.refold.webhooks.webflux;

import ai.refold.webhooks.test.hardening.CatalogueReceiver;
import ai.refold.webhooks.test.hardening.HostileRequest;
import ai.refold.webhooks.test.hardening.HostileRequests;
import ai.refold.webhooks.test.hardening.OverHttp;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sends every catalogue row an HTTP client can express to the filter on a real Reactor Netty server, each row to a
 * filter around a fresh {@link CatalogueReceiver} with the row's limits and its default executor
 * ({@code boundedElastic}), and expects the answer core gives, exactly as the servlet filter's rows on Jetty and
 * Tomcat do: no row is answered differently on Netty. Afterwards every request buffer the server allocated has been
 * released.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileRequestsOverReactorNettyTest {

    private NettyServer server;

    @BeforeAll
    void start() {
        server = new NettyServer((exchange, chain) -> chain.filter(exchange));
    }

    @AfterAll
    void stop() throws InterruptedException {
        try {
            assertThat(NettyServer.await(() -> server.bytesHeld() == 0))
                    .as("request buffers still held after every row: %d bytes", server.bytesHeld()).isTrue();
        } finally {
            server.close();
        }
    }

    List<HostileRequest> rows() {
        return HostileRequests.overHttp();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void aHostileRequestGetsTheSameAnswerOverReactorNettyAsInCore(HostileRequest row) throws Exception {
        CatalogueReceiver fixture = CatalogueReceiver.forRow(row);
        server.use(RefoldWebhookWebFilter.builder(fixture.receiver()).build());

        OverHttp.assertAnswer(row, OverHttp.send(server.uri("/webhooks/refold"), row), fixture);
    }

    @Test
    void everyRowOverHttpRunsHere() {
        assertThat(rows()).hasSizeGreaterThanOrEqualTo(90);
    }
}
