package ai.refold.webhooks.servlet;

import jakarta.servlet.Filter;
import jakarta.servlet.Servlet;

import java.net.URI;
import java.util.Map;

/** A real servlet container listening on 127.0.0.1 with an ephemeral port, for tests that speak HTTP to it. */
interface ServletContainer extends AutoCloseable {

    /** Returns the address of {@code path} on this container. */
    URI uri(String path);

    @Override
    void close() throws Exception;

    /** Starts a container. */
    @FunctionalInterface
    interface Starter {
        /**
         * Starts a container whose root context maps {@code filter} (with {@code initParameters}, which the
         * container hands to its {@code init}) and then {@code app} to every path.
         */
        ServletContainer start(Filter filter, Map<String, String> initParameters, Servlet app) throws Exception;
    }
}
