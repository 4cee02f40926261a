package ai.refold.webhooks.spring.reactive;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.web.server.WebFilter;

import reactor.core.scheduler.Schedulers;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A minimal WebFlux application on Reactor Netty: the starter, Spring Security with Boot's defaults (every other path
 * needs a login), the handlers below, and a first filter that notes whether each request is served on a thread that
 * must not block, so that the tests can see that requests do arrive on Netty's event loop.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
public class ReactiveApplication {

    public static final String API_KEY = "reactive-test-api-key-0123";

    /** For each request, whether the server handed it to the application on a non-blocking thread. */
    public static final List<Boolean> REQUESTS_ON_NON_BLOCKING_THREAD = new CopyOnWriteArrayList<>();

    @Bean
    ReactiveHandlers reactiveHandlers() {
        return new ReactiveHandlers();
    }

    @Bean
    WebFilter requestThreads() {
        return new OrderedNotingFilter();
    }

    /** Runs first of all filters and notes the thread each request arrives on. */
    static final class OrderedNotingFilter implements WebFilter, Ordered {
        @Override
        public reactor.core.publisher.Mono<Void> filter(org.springframework.web.server.ServerWebExchange exchange,
                                                        org.springframework.web.server.WebFilterChain chain) {
            REQUESTS_ON_NON_BLOCKING_THREAD.add(Schedulers.isInNonBlockingThread());
            return chain.filter(exchange);
        }

        @Override
        public int getOrder() {
            return Ordered.HIGHEST_PRECEDENCE;
        }
    }
}
