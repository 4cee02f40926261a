package ai.refold.webhooks.servlet;

import ai.refold.webhooks.WebhookReceiver;

import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;

import org.apache.catalina.Context;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static ai.refold.webhooks.servlet.ArrivedBodyOverJettyTest.concat;
import static ai.refold.webhooks.servlet.ArrivedBodyOverJettyTest.head;
import static ai.refold.webhooks.servlet.ArrivedBodyOverJettyTest.read;
import static ai.refold.webhooks.servlet.Deliveries.API_KEY;
import static ai.refold.webhooks.servlet.Deliveries.SIGNED;
import static ai.refold.webhooks.servlet.Deliveries.workflowCompleted;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * On Tomcat a body counts as arrived only if it is one byte long: until the first read fills its buffer, its
 * {@code ServletInputStream.available()} says only whether the connection holds any byte (1) or none (0)
 * ({@code InputBuffer.available()} in Tomcat 10.1 and 11). So every delivery is read asynchronously there, even one
 * sent in the packet of its headers, which Jetty reads at once ({@link ArrivedBodyOverJettyTest}). An outer filter
 * records whether each request went asynchronous.
 */
class ArrivedBodyOverTomcatTest {

    private final List<Boolean> wentAsync = new CopyOnWriteArrayList<>();
    private final List<String> handled = new CopyOnWriteArrayList<>();
    private ServletContainer container;

    @AfterEach
    void stop() throws Exception {
        if (container != null) {
            container.close();
        }
    }

    @Test
    void aDeliverySentWithItsHeadersIsStillReadAsynchronously() throws Exception {
        start();

        for (int i = 0; i < 20; i++) {
            byte[] body = workflowCompleted("inst-" + i);
            String response = send(body, SIGNED.signature(body));

            assertThat(response).startsWith("HTTP/1.1 200").contains("\"status\":\"processed\"");
        }

        assertThat(handled).hasSize(20);
        assertThat(wentAsync).hasSize(20).containsOnly(true);
    }

    // The one length that available() can cover: the filter reads it at once, and answers it (a forgery) the same.
    @Test
    void aOneByteBodySentWithItsHeadersIsReadAtOnce() throws Exception {
        start();
        byte[] body = {'x'};

        String response = send(body, SIGNED.signature("something else".getBytes(StandardCharsets.UTF_8)));

        assertThat(response).startsWith("HTTP/1.1 401");
        assertThat(wentAsync).containsExactly(false);
    }

    private void start() throws Exception {
        WebhookReceiver receiver = WebhookReceiver.builder().signingKey("test", API_KEY)
                .onAny((event, context) -> handled.add(((ai.refold.webhooks.event.WorkflowCompleted) event)
                        .instanceId()))
                .build();
        Filter observer = (request, response, chain) -> {
            chain.doFilter(request, response);
            wentAsync.add(((HttpServletRequest) request).isAsyncStarted());
        };
        container = TomcatContainer.start(context -> {
            addFilter(context, "observer", observer);
            addFilter(context, "refold", RefoldWebhookFilter.builder(receiver).build());
            Tomcat.addServlet(context, "app", new HttpServlet() { }).setAsyncSupported(true);
            context.addServletMappingDecoded("/*", "app");
        });
    }

    private static void addFilter(Context context, String name, Filter filter) {
        FilterDef definition = new FilterDef();
        definition.setFilterName(name);
        definition.setFilter(filter);
        definition.setAsyncSupported("true");
        context.addFilterDef(definition);
        FilterMap mapping = new FilterMap();
        mapping.setFilterName(name);
        mapping.addURLPattern("/*");
        context.addFilterMap(mapping);
    }

    // Sends the head and the whole body in one write, as a small delivery usually arrives.
    private String send(byte[] body, String signature) throws IOException {
        URI uri = container.uri(RefoldWebhookFilter.DEFAULT_PATH);
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(concat(head(body.length, signature), body));
            out.flush();
            return read(socket.getInputStream());
        }
    }
}
