package ai.refold.webhooks.examples.servlet;

import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.ConnectionCreated;
import ai.refold.webhooks.event.ConnectionDeleted;
import ai.refold.webhooks.event.ConnectionExpired;
import ai.refold.webhooks.event.UnknownEvent;
import ai.refold.webhooks.event.WorkflowCompleted;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.examples.ExampleActions;
import ai.refold.webhooks.examples.ExampleKeys;
import ai.refold.webhooks.examples.ProcessedEvents;
import ai.refold.webhooks.servlet.RefoldWebhookFilter;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

/**
 * A plain servlet receiver: embedded Tomcat started from {@code main}, the filter registered in code, handlers
 * for all five events, and a read-only list of what they did at {@code GET /events}.
 *
 * <pre>
 * mvn -q -pl examples -am compile exec:exec@servlet-receiver     # listens on 127.0.0.1:8080
 * </pre>
 */
public final class ServletReceiverApp implements AutoCloseable {

    // Tomcat reports its start and stop on java.util.logging; only warnings are worth a reader's attention here.
    // Held in a field because java.util.logging keeps loggers only weakly.
    private static final java.util.logging.Logger TOMCAT_LOG = java.util.logging.Logger.getLogger("org.apache");

    private final Tomcat tomcat;
    private final ProcessedEvents processed;

    private ServletReceiverApp(Tomcat tomcat, ProcessedEvents processed) {
        this.tomcat = tomcat;
        this.processed = processed;
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
        ServletReceiverApp app = start(port, ExampleKeys.apiKey());
        System.out.println("Receiving Refold webhooks at http://127.0.0.1:" + app.port() + "/webhooks/refold"
                + "; handled events at http://127.0.0.1:" + app.port() + "/events");
        app.tomcat.getServer().await();
    }

    /** Starts the receiver on 127.0.0.1:{@code port} (0 for any free port). */
    public static ServletReceiverApp start(int port, String apiKey) throws LifecycleException, IOException {
        TOMCAT_LOG.setLevel(java.util.logging.Level.WARNING);
        ProcessedEvents processed = new ProcessedEvents();
        WebhookReceiver receiver = WebhookReceiver.builder()
                .signingKey("test", apiKey)
                .on(ConnectionCreated.class, (event, context) ->
                        processed.record("Connection Created", context, ExampleActions.onCreated(event)))
                .on(ConnectionDeleted.class, (event, context) ->
                        processed.record("Connection Deleted", context, ExampleActions.onDeleted(event)))
                .on(ConnectionExpired.class, (event, context) ->
                        processed.record("Connection Expired", context, ExampleActions.onExpired(event)))
                .on(WorkflowCompleted.class, (event, context) ->
                        processed.record("Workflow Completed", context, ExampleActions.onCompleted(event)))
                .on(WorkflowErrored.class, (event, context) ->
                        processed.record("Workflow Errored", context, ExampleActions.onErrored(event)))
                .on(UnknownEvent.class, (event, context) ->
                        processed.record(event.eventName().orElse("unknown"), context, ExampleActions.onUnknown(event)))
                .build();

        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(Files.createTempDirectory("refold-servlet-example").toString());
        Connector connector = new Connector();
        connector.setPort(port);
        connector.setProperty("address", "127.0.0.1");
        // Send "100 Continue" only when the body is read, so an oversized delivery is refused before it is sent.
        connector.setProperty("continueResponseTiming", "onRead");
        // Give up on a request line, headers or a blocking body read that stall for 10 s (Tomcat's default is 60 s).
        connector.setProperty("connectionTimeout", "10000");
        tomcat.setConnector(connector);
        Context context = tomcat.addContext("", null);
        if (context instanceof StandardContext standard) {
            // Nothing is redeployed in an embedded server, so the leak checks that need --add-opens do not apply.
            standard.setClearReferencesRmiTargets(false);
            standard.setClearReferencesThreadLocals(false);
        }

        FilterDef filter = new FilterDef();
        filter.setFilterName("refold");
        filter.setFilter(RefoldWebhookFilter.builder(receiver).path("/webhooks/refold").build());
        // Asynchronous: the filter reads bodies without holding a thread, so slow senders cannot exhaust the pool.
        filter.setAsyncSupported("true");
        context.addFilterDef(filter);
        FilterMap mapping = new FilterMap();
        mapping.setFilterName("refold");
        mapping.addURLPatternDecoded("/webhooks/refold");
        context.addFilterMap(mapping);

        Tomcat.addServlet(context, "events", new EventsServlet(processed));
        context.addServletMappingDecoded("/events", "events");
        // The filter answers deliveries itself; a servlet must still be mapped for Tomcat to run the chain.
        // Asynchronous too: a request is asynchronous only if every filter and the servlet it reaches allow it.
        Tomcat.addServlet(context, "not-found", new NotFoundServlet()).setAsyncSupported(true);
        context.addServletMappingDecoded("/", "not-found");

        tomcat.start();
        return new ServletReceiverApp(tomcat, processed);
    }

    /** Returns the port the receiver listens on. */
    public int port() {
        return tomcat.getConnector().getLocalPort();
    }

    /** Returns what the handlers did. */
    public ProcessedEvents processed() {
        return processed;
    }

    @Override
    public void close() throws LifecycleException {
        tomcat.stop();
        tomcat.destroy();
    }

    private static final class EventsServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;
        private final transient ProcessedEvents processed;

        EventsServlet(ProcessedEvents processed) {
            this.processed = processed;
        }

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.setContentType("application/json");
            response.getOutputStream().write(processed.toJson().getBytes(StandardCharsets.UTF_8));
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
