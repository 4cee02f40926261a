package ai.refold.webhooks.servlet;

import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.ConnectionExpired;
import ai.refold.webhooks.event.WebhookEvent;
import ai.refold.webhooks.event.WorkflowErrored;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.Servlet;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;

import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import java.net.InetSocketAddress;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/** The code shown in docs/servlet-containers.md, compiled and run by {@link ReadmeSnippetsTest}. */
final class ReadmeSnippets {

    private ReadmeSnippets() {
    }

    // docs/servlet-containers.md: Jetty 12, as the README's servlet quick start, with an application servlet beside it
    static Server jetty(WebhookReceiver receiver, Servlet app, InetSocketAddress address) throws Exception {
        ServletContextHandler context = new ServletContextHandler("/");
        FilterHolder refold = new FilterHolder(RefoldWebhookFilter.builder(receiver).build());
        refold.setAsyncSupported(true);
        context.addFilter(refold, "/webhooks/refold", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder("app", app), "/*");

        Server server = new Server();
        HttpConfiguration http = new HttpConfiguration();
        // Once a body has started, Jetty cuts off a client sending less than 1 KiB a second: it is answered 400.
        http.setMinRequestDataRate(1024);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost(address.getHostString());
        connector.setPort(address.getPort());
        // A connection that sends nothing for 10 s is closed, whether or not a request has started.
        connector.setIdleTimeout(10_000);
        server.addConnector(connector);
        server.setHandler(context);
        server.start();
        return server;
    }

    // docs/servlet-containers.md: Tomcat 11 embedded
    static Tomcat tomcat(WebhookReceiver receiver, Servlet app, String host, int port, String baseDir)
            throws Exception {
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(baseDir);
        Connector connector = new Connector();
        connector.setProperty("address", host);
        connector.setPort(port);
        // Send "100 Continue" only when the body is read, so an oversized delivery is refused before it is sent.
        connector.setProperty("continueResponseTiming", "onRead");
        // Give up on a request line, headers or a blocking body read that stall for 10 s (Tomcat's default is 60 s).
        connector.setProperty("connectionTimeout", "10000");
        tomcat.setConnector(connector);

        Context context = tomcat.addContext("", null);
        // Tomcat runs filters only on requests that map to a servlet: map one over the webhook path.
        Tomcat.addServlet(context, "app", app).setAsyncSupported(true);
        context.addServletMappingDecoded("/*", "app");

        FilterDef refold = new FilterDef();
        refold.setFilterName("refold");
        refold.setFilter(RefoldWebhookFilter.builder(receiver).build());
        refold.setAsyncSupported("true");
        context.addFilterDef(refold);
        FilterMap mapping = new FilterMap();
        mapping.setFilterName("refold");
        mapping.addURLPattern("/webhooks/refold");
        context.addFilterMap(mapping);

        tomcat.start();
        return tomcat;
    }

    // Stands in for the application's own way of building its receiver.
    static Supplier<WebhookReceiver> receivers = () -> WebhookReceiver.builder()
            .signingKey("live", System.getenv("REFOLD_LIVE_API_KEY"))
            .build();

    // docs/servlet-containers.md: any Servlet 6 container, from code (list it in META-INF/services/jakarta.servlet.ServletContainerInitializer)
    public static final class RefoldInitializer implements ServletContainerInitializer {
        @Override
        public void onStartup(Set<Class<?>> classes, ServletContext servletContext) {
            WebhookReceiver receiver = receivers.get();
            FilterRegistration.Dynamic refold = servletContext.addFilter("refold",
                    RefoldWebhookFilter.builder(receiver).build());
            refold.setAsyncSupported(true);
            refold.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/webhooks/refold");
        }
    }

    // docs/servlet-containers.md: web.xml configurer
    public static final class MyRefoldHandlers implements RefoldWebhookConfigurer {
        @Override
        public void configure(WebhookReceiver.Builder receiver) {
            receiver.on(ConnectionExpired.class, (event, context) -> askToReconnect(event.linkedAccountId()))
                    .on(WorkflowErrored.class, (event, context) -> alert(event.instanceId()))
                    .onAny((event, context) -> HANDLED.add(event));
        }
    }

    static final List<WebhookEvent> HANDLED = new CopyOnWriteArrayList<>();

    static void askToReconnect(String linkedAccountId) {
    }

    static void alert(String instanceId) {
    }
}
