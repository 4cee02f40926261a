package ai.refold.webhooks.servlet;

import ai.refold.webhooks.test.hardening.CatalogueReceiver;
import ai.refold.webhooks.test.hardening.HostileRequest;
import ai.refold.webhooks.test.hardening.HostileRequests;
import ai.refold.webhooks.test.hardening.OverHttp;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.util.List;

/**
 * Sends every catalogue row an HTTP client can express to {@link RefoldWebhookFilter} in a real Tomcat 11, each
 * against a fresh receiver, as {@link HostileRequestsOverJettyTest} does for Jetty. The connector accepts request
 * headers up to 256 KiB and 200 of them, so that the 100 KB signature row and the hundred-header row reach the
 * filter (Tomcat's defaults answer both 400 itself), and sends {@code 100 Continue} only when the body is read.
 */
class HostileRequestsOverTomcatTest {

    private static final SwappableFilter FILTER = new SwappableFilter();
    private static ServletContainer tomcat;

    @BeforeAll
    static void startTomcat() throws Exception {
        tomcat = TomcatContainer.start(connector -> {
            connector.setProperty("maxHttpHeaderSize", Integer.toString(256 * 1024));
            connector.setProperty("maxHeaderCount", "200");
        }, context -> {
            FilterDef definition = new FilterDef();
            definition.setFilterName("refold");
            definition.setFilter(FILTER);
            definition.setAsyncSupported("true");
            context.addFilterDef(definition);
            FilterMap mapping = new FilterMap();
            mapping.setFilterName("refold");
            mapping.addURLPattern("/*");
            context.addFilterMap(mapping);
            Tomcat.addServlet(context, "app", new NotFoundServlet()).setAsyncSupported(true);
            context.addServletMappingDecoded("/*", "app");
        });
    }

    @AfterAll
    static void stopTomcat() throws Exception {
        tomcat.close();
    }

    static List<HostileRequest> rows() {
        return HostileRequests.overHttp();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void aHostileRequestOverHttpGetsTheSameAnswerAsInCore(HostileRequest row) throws Exception {
        CatalogueReceiver fixture = CatalogueReceiver.forRow(row);
        FILTER.current = RefoldWebhookFilter.builder(fixture.receiver()).build();
        OverHttp.assertAnswer(row, OverHttp.send(tomcat.uri(RefoldWebhookFilter.DEFAULT_PATH), row), fixture);
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
