package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.webflux.RefoldWebhookWebFilter;

import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import reactor.core.publisher.Mono;

/**
 * The receiving {@link RefoldWebhookWebFilter} at the order {@code refold.webhooks.filter-order} gives it: WebFlux
 * runs the application's {@code WebFilter} beans in their order, as a servlet container runs the filters of
 * {@code FilterRegistrationBean}s in theirs.
 */
final class OrderedRefoldWebhookWebFilter implements WebFilter, Ordered {

    private final RefoldWebhookWebFilter filter;
    private final int order;

    OrderedRefoldWebhookWebFilter(RefoldWebhookWebFilter filter, int order) {
        this.filter = filter;
        this.order = order;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        return filter.filter(exchange, chain);
    }

    @Override
    public int getOrder() {
        return order;
    }

    /** Returns the filter this orders. */
    RefoldWebhookWebFilter filter() {
        return filter;
    }

    @Override
    public String toString() {
        return filter + " at order " + order;
    }
}
