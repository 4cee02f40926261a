package ai.refold.webhooks.servlet;

import jakarta.servlet.Filter;
import jakarta.servlet.Servlet;

import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/** Embedded Tomcat 11. */
final class TomcatContainer implements ServletContainer {

    private final Tomcat tomcat;
    private final Path baseDir;
    private final int port;

    private TomcatContainer(Tomcat tomcat, Path baseDir, int port) {
        this.tomcat = tomcat;
        this.baseDir = baseDir;
        this.port = port;
    }

    static ServletContainer start(Filter filter, Map<String, String> initParameters, Servlet app) throws Exception {
        return start(context -> {
            FilterDef definition = new FilterDef();
            definition.setFilterName("refold");
            definition.setFilter(filter);
            initParameters.forEach(definition::addInitParameter);
            definition.setAsyncSupported("true");
            context.addFilterDef(definition);
            FilterMap mapping = new FilterMap();
            mapping.setFilterName("refold");
            mapping.addURLPattern("/*");
            context.addFilterMap(mapping);
            Tomcat.addServlet(context, "app", app).setAsyncSupported(true);
            context.addServletMappingDecoded("/*", "app");
        });
    }

    interface ContextSetup {
        void configure(Context context) throws Exception;
    }

    static ServletContainer start(ContextSetup setup) throws Exception {
        return start(connector -> { }, setup);
    }

    /** Starts Tomcat with its connector adjusted by {@code connectorSetup} and its root context by {@code setup}. */
    static ServletContainer start(java.util.function.Consumer<Connector> connectorSetup, ContextSetup setup)
            throws Exception {
        Path baseDir = Files.createTempDirectory("tomcat-");
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(baseDir.toString());
        Connector connector = new Connector();
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        connector.setProperty("continueResponseTiming", "onRead");
        connectorSetup.accept(connector);
        tomcat.setConnector(connector);
        Context context = tomcat.addContext("", baseDir.toString());
        setup.configure(context);
        try {
            tomcat.start();
        } catch (LifecycleException e) {
            tomcat.destroy();
            throw e;
        }
        return new TomcatContainer(tomcat, baseDir, connector.getLocalPort());
    }

    @Override
    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    @Override
    public void close() throws Exception {
        tomcat.stop();
        tomcat.destroy();
        try (Stream<Path> files = Files.walk(baseDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(file -> {
                try {
                    Files.delete(file);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
