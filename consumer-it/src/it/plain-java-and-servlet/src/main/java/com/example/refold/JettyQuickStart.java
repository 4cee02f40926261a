package com.example.refold;

import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.servlet.RefoldWebhookFilter;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Servlet;

import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import java.net.InetSocketAddress;
import java.util.EnumSet;

/** The README's "Quick start: a plain servlet container", as printed, with what it needs around it. */
final class JettyQuickStart {

    private JettyQuickStart() {
    }

    static Server start(WebhookReceiver receiver, Servlet app, InetSocketAddress address) throws Exception {
        ServletContextHandler context = new ServletContextHandler("/");
        FilterHolder refold = new FilterHolder(RefoldWebhookFilter.builder(receiver).build());
        refold.setAsyncSupported(true);
        context.addFilter(refold, "/webhooks/refold", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder("app", app), "/*");

        Server server = new Server();
        HttpConfiguration http = new HttpConfiguration();
        // Once a body has started, a client sending less than 1 KiB a second is answered 408 by Jetty itself.
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
