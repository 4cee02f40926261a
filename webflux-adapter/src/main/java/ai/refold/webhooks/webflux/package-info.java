/**
 * Receives Refold deliveries in a Spring WebFlux application: {@link ai.refold.webhooks.webflux.RefoldWebhookWebFilter}.
 *
 * <p>This is a module of its own ({@code ai.refold:refold-webhooks-webflux}), beside the servlet adapter and not
 * inside the Spring Boot starter, for three reasons: a WebFlux application without Spring Boot can use it (a
 * {@code WebHttpHandlerBuilder}, or a plain Reactor Netty server, needs only the filter); it mirrors the servlet
 * adapter, one thin translation per HTTP stack over the same core; and the starter uses it only under reactive
 * conditions, as an optional dependency, so that a servlet application gains nothing from it. Spring WebFlux and
 * Reactor are {@code provided}: an application with a {@code WebFilter} has them, in the versions it chose.
 */
package ai.refold.webhooks.webflux;
