package ai.refold.webhooks.servlet;

import ai.refold.webhooks.Outcome;
import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.hardening.CatalogueReceiver;
import ai.refold.webhooks.hardening.HostileRequest;
import ai.refold.webhooks.hardening.HostileRequest.Header;
import ai.refold.webhooks.hardening.HostileRequest.Request;
import ai.refold.webhooks.hardening.HostileRequests;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sends every catalogue row an HTTP client can express to {@link RefoldWebhookFilter} in a real Jetty, each against
 * a fresh receiver. The connector accepts request headers up to 256 KiB so that the 100 KB signature row reaches the
 * filter; with Jetty's default of 8 KiB, Jetty itself answers 431 before any filter runs.
 */
class HostileRequestsOverJettyTest {

    private static Server server;
    private static URI endpoint;
    private static final SwappableFilter FILTER = new SwappableFilter();

    @BeforeAll
    static void startJetty() throws Exception {
        server = new Server();
        HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(256 * 1024);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        context.addFilter(new FilterHolder(FILTER), "/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder(new NotFoundServlet()), "/*");
        server.setHandler(context);
        server.start();
        endpoint = URI.create("http://127.0.0.1:" + connector.getLocalPort() + RefoldWebhookFilter.DEFAULT_PATH);
    }

    @AfterAll
    static void stopJetty() throws Exception {
        server.stop();
    }

    static List<HostileRequest> rows() {
        return HostileRequests.overHttp();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void aHostileRequestOverHttpGetsTheSameAnswerAsInCore(HostileRequest row) throws Exception {
        CatalogueReceiver fixture = CatalogueReceiver.forRow(row);
        FILTER.current = RefoldWebhookFilter.builder(fixture.receiver()).build();
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
    void everyRowLeftOutOfHttpStatesWhy() {
        List<HostileRequest> left = HostileRequests.all().stream().filter(row -> !row.expressibleOverHttp()).toList();

        assertThat(left).isNotEmpty().allSatisfy(row -> assertThat(row.notOverHttp()).hasValueSatisfying(
                reason -> assertThat(reason).isNotBlank()));
        assertThat(rows()).hasSizeGreaterThanOrEqualTo(40);
    }

    private static HttpRequest httpRequest(Request request) {
        HttpRequest.BodyPublisher body = request.contentLength() < 0
                ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(request.body()))
                : HttpRequest.BodyPublishers.ofByteArray(request.body());
        HttpRequest.Builder builder = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(60))
                .method(request.method(), body);
        for (Header header : request.headers()) {
            builder.header(header.name(), header.value());
        }
        return builder.build();
    }

    /** Holds the filter under test for the current row, so that each row gets a fresh receiver. */
    private static final class SwappableFilter implements Filter {
        volatile RefoldWebhookFilter current;

        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            current.doFilter(request, response, chain);
        }
    }

    private static final class NotFoundServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.sendError(404);
        }
    }
}
