package com.example.refold;

import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.ConnectionExpired;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.servlet.RefoldWebhookFilter;

import jakarta.servlet.DispatcherType;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.EnumSet;
import java.util.Objects;

public final class JettyReceiver {

    private static final Logger log = LoggerFactory.getLogger(JettyReceiver.class);

    public static void main(String[] args) throws Exception {
        start(Objects.requireNonNull(System.getenv("REFOLD_API_KEY"), "REFOLD_API_KEY is not set"),
                new InetSocketAddress(8080)).join();
    }

    public static Server start(String apiKey, InetSocketAddress address) throws Exception {
        WebhookReceiver receiver = WebhookReceiver.builder()
                .signingKey("test", apiKey)
                .on(ConnectionExpired.class, (event, context) ->
                        log.info("account {} must reconnect {}", event.linkedAccountId(), event.slug()))
                .on(WorkflowErrored.class, (event, context) ->
                        log.warn("workflow run {} failed (event {})", event.instanceId(), context.idempotencyKey()))
                .build();

        ServletContextHandler context = new ServletContextHandler("/");
        FilterHolder refold = new FilterHolder(RefoldWebhookFilter.builder(receiver).build());
        refold.setAsyncSupported(true);
        context.addFilter(refold, "/webhooks/refold", EnumSet.of(DispatcherType.REQUEST));
        // context.addServlet(...): the application's own servlets, as before

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
}
