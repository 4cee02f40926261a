package ai.refold.webhooks.servlet;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.Servlet;

import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import java.net.URI;
import java.util.EnumSet;
import java.util.Map;

/** Embedded Jetty 12 (ee10). */
final class JettyContainer implements ServletContainer {

    private final Server server;
    private final int port;

    private JettyContainer(Server server, int port) {
        this.server = server;
        this.port = port;
    }

    static ServletContainer start(Filter filter, Map<String, String> initParameters, Servlet app) throws Exception {
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        FilterHolder holder = new FilterHolder(filter);
        holder.setName("refold");
        holder.setInitParameters(initParameters);
        holder.setAsyncSupported(true);
        context.addFilter(holder, "/*", EnumSet.of(DispatcherType.REQUEST));
        ServletHolder servlet = new ServletHolder("app", app);
        servlet.setAsyncSupported(true);
        context.addServlet(servlet, "/*");
        return start(context);
    }

    static ServletContainer start(ServletContextHandler context) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(context);
        server.start();
        return new JettyContainer(server, connector.getLocalPort());
    }

    @Override
    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
