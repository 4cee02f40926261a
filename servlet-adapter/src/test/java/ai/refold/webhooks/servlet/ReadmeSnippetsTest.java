package ai.refold.webhooks.servlet;

import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.WebhookEvent;

import jakarta.servlet.DispatcherType;

import org.apache.catalina.Context;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import javax.xml.parsers.DocumentBuilderFactory;

import static ai.refold.webhooks.servlet.Deliveries.API_KEY;
import static ai.refold.webhooks.servlet.Deliveries.post;
import static ai.refold.webhooks.servlet.Deliveries.signedPost;
import static ai.refold.webhooks.servlet.Deliveries.workflowCompleted;
import static org.assertj.core.api.Assertions.assertThat;

@Timeout(60)
class ReadmeSnippetsTest {

    static HttpClient client;
    static ExecutorService clientThreads;

    @TempDir
    Path baseDir;

    @BeforeAll
    static void createClient() {
        clientThreads = Executors.newCachedThreadPool();
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(clientThreads).build();
    }

    @AfterAll
    static void closeClient() {
        clientThreads.shutdownNow();
    }

    @BeforeEach
    void forgetHandledEvents() {
        ReadmeSnippets.HANDLED.clear();
    }

    @Test
    void jettySnippetReceivesDeliveriesAndPassesOtherPathsOn() throws Exception {
        List<WebhookEvent> handled = new CopyOnWriteArrayList<>();
        FilterContractTest.AppServlet app = new FilterContractTest.AppServlet();
        Server server = ReadmeSnippets.jetty(receiver(handled), app, new InetSocketAddress("127.0.0.1", 0));
        try {
            URI base = URI.create("http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort());

            assertReceivesAndPassesOn(base, handled, app);
        } finally {
            server.stop();
        }
    }

    @Test
    void tomcatSnippetReceivesDeliveriesAndPassesOtherPathsOn() throws Exception {
        List<WebhookEvent> handled = new CopyOnWriteArrayList<>();
        FilterContractTest.AppServlet app = new FilterContractTest.AppServlet();
        Tomcat tomcat = ReadmeSnippets.tomcat(receiver(handled), app, "127.0.0.1", 0, baseDir.toString());
        try {
            URI base = URI.create("http://127.0.0.1:" + tomcat.getConnector().getLocalPort());

            assertReceivesAndPassesOn(base, handled, app);
        } finally {
            tomcat.stop();
            tomcat.destroy();
        }
    }

    @Test
    void servletContainerInitializerSnippetRegistersTheFilter() throws Exception {
        List<WebhookEvent> handled = new CopyOnWriteArrayList<>();
        ReadmeSnippets.receivers = () -> receiver(handled);
        FilterContractTest.AppServlet app = new FilterContractTest.AppServlet();
        try (ServletContainer container = TomcatContainer.start(context -> {
            context.addServletContainerInitializer(new ReadmeSnippets.RefoldInitializer(), null);
            Tomcat.addServlet(context, "app", app);
            context.addServletMappingDecoded("/*", "app");
        })) {
            assertReceivesAndPassesOn(container.uri(""), handled, app);
        }
    }

    @Test
    void tomcatRunsNoFilterOnAPathThatMapsToNoServlet() throws Exception {
        List<WebhookEvent> handled = new CopyOnWriteArrayList<>();
        try (ServletContainer container = TomcatContainer.start(context -> register(context,
                RefoldWebhookFilter.builder(receiver(handled)).build(), Map.of(), "/webhooks/refold"))) {
            HttpResponse<String> response = send(signedPost(container.uri("/webhooks/refold"),
                    workflowCompleted("inst-no-servlet")));

            assertThat(response.statusCode()).isEqualTo(404);
            assertThat(handled).isEmpty();
        }
    }

    @Test
    void webXmlSnippetConfiguresTheFilterFromInitParametersInTomcat() throws Exception {
        Document webXml;
        try (InputStream in = getClass().getResourceAsStream("/readme/web.xml")) {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            webXml = factory.newDocumentBuilder().parse(in);
        }
        assertThat(text(webXml, "filter-class")).isEqualTo(RefoldWebhookFilter.class.getName());
        Map<String, String> initParameters = new LinkedHashMap<>();
        NodeList params = webXml.getElementsByTagNameNS("*", "init-param");
        for (int i = 0; i < params.getLength(); i++) {
            Element param = (Element) params.item(i);
            initParameters.put(text(param, "param-name"), text(param, "param-value"));
        }
        // The container would construct the filter with the real environment; this one reads a test environment.
        RefoldWebhookFilter filter = new RefoldWebhookFilter(Map.of(
                "REFOLD_LIVE_API_KEY", "a-live-key-for-this-test", "REFOLD_TEST_API_KEY", API_KEY)::get);
        FilterContractTest.AppServlet app = new FilterContractTest.AppServlet();

        try (ServletContainer container = TomcatContainer.start(context -> {
            register(context, filter, initParameters, text(webXml, "url-pattern"));
            Tomcat.addServlet(context, "app", app);
            context.addServletMappingDecoded("/*", "app");
        })) {
            byte[] body = workflowCompleted("inst-web-xml");
            HttpResponse<String> delivered = send(signedPost(container.uri("/webhooks/refold"), body));
            HttpResponse<String> forged = send(post(container.uri("/webhooks/refold"), body, "0".repeat(64)));

            assertThat(delivered.statusCode()).isEqualTo(200);
            assertThat(forged.statusCode()).isEqualTo(401);
            assertThat(ReadmeSnippets.HANDLED).singleElement()
                    .satisfies(event -> assertThat(event.payload().toByteArray()).isEqualTo(body));
            assertThat(filter.mode()).isEqualTo(RefoldWebhookFilter.Mode.ENDPOINT);
            assertThat(app.requests).isEmpty();
        }
    }

    private static void register(Context context, RefoldWebhookFilter filter, Map<String, String> initParameters,
                                 String urlPattern) {
        FilterDef definition = new FilterDef();
        definition.setFilterName("refold");
        definition.setFilter(filter);
        initParameters.forEach(definition::addInitParameter);
        context.addFilterDef(definition);
        FilterMap mapping = new FilterMap();
        mapping.setFilterName("refold");
        mapping.addURLPattern(urlPattern);
        mapping.setDispatcher(DispatcherType.REQUEST.name());
        context.addFilterMap(mapping);
    }

    private static String text(org.w3c.dom.Node parent, String tag) {
        NodeList nodes = parent instanceof Document document ? document.getElementsByTagNameNS("*", tag)
                : ((Element) parent).getElementsByTagNameNS("*", tag);
        return nodes.item(0).getTextContent().trim();
    }

    private static void assertReceivesAndPassesOn(URI base, List<WebhookEvent> handled,
                                                  FilterContractTest.AppServlet app) throws Exception {
        byte[] body = workflowCompleted("inst-readme");

        HttpResponse<String> delivered = send(signedPost(base.resolve("/webhooks/refold"), body));
        HttpResponse<String> other = send(HttpRequest.newBuilder(base.resolve("/health")).GET().build());

        assertThat(delivered.statusCode()).isEqualTo(200);
        assertThat(delivered.body()).startsWith("{\"status\":\"processed\"");
        assertThat(handled).hasSize(1);
        assertThat(other.statusCode()).isEqualTo(200);
        assertThat(app.requests).extracting(FilterContractTest.AppRequest::path).containsExactly("/health");
    }

    private static WebhookReceiver receiver(List<WebhookEvent> handled) {
        return WebhookReceiver.builder().signingKey("test", API_KEY).onAny((event, context) -> handled.add(event))
                .build();
    }

    private static HttpResponse<String> send(HttpRequest request) throws Exception {
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
