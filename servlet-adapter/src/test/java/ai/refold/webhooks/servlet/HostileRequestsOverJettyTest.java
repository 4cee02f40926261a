package ai.refold.webhooks.servlet;

import ai.refold.webhooks.test.hardening.CatalogueReceiver;
import ai.refold.webhooks.test.hardening.HostileRequest;
import ai.refold.webhooks.test.hardening.OverHttp;
import ai.refold.webhooks.test.hardening.HostileRequests;

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

import java.io.IOException;
import java.net.URI;
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
        OverHttp.assertAnswer(row, OverHttp.send(endpoint, row), fixture);
    }

    @Test
    void everyRowLeftOutOfHttpStatesWhy() {
        List<HostileRequest> left = HostileRequests.all().stream().filter(row -> !row.expressibleOverHttp()).toList();

        assertThat(left).isNotEmpty().allSatisfy(row -> assertThat(row.notOverHttp()).hasValueSatisfying(
                reason -> assertThat(reason).isNotBlank()));
        assertThat(rows()).hasSizeGreaterThanOrEqualTo(40);
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
