package ai.refold.webhooks.webflux;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelOption;

import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;

import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/**
 * A WebFlux application on a real Reactor Netty server, without Spring Boot: the filter under test in front of an
 * application that answers 204 to every other request. Request bodies are read into buffers of a counting
 * allocator, so that a test can see that every one of them was released.
 */
final class NettyServer implements AutoCloseable {

    final UnpooledByteBufAllocator allocator = new UnpooledByteBufAllocator(true);
    /** Whether each request that reached the application was served on a thread that must not block. */
    final List<Boolean> applicationOnNonBlockingThread = new CopyOnWriteArrayList<>();
    private final DisposableServer server;
    private volatile WebFilter filter;

    NettyServer(WebFilter filter) {
        this(filter, UnaryOperator.identity());
    }

    /** As {@link #NettyServer(WebFilter)}, the server configured further by {@code configure}. */
    NettyServer(WebFilter filter, UnaryOperator<HttpServer> configure) {
        this.filter = filter;
        HttpHandler handler = WebHttpHandlerBuilder
                .webHandler(exchange -> {
                    applicationOnNonBlockingThread.add(Schedulers.isInNonBlockingThread());
                    exchange.getResponse().setStatusCode(HttpStatus.NO_CONTENT);
                    return exchange.getResponse().setComplete();
                })
                .filter((exchange, chain) -> this.filter.filter(exchange, chain))
                .build();
        this.server = configure.apply(HttpServer.create().host("127.0.0.1").port(0)
                // the catalogue's 100 KB signature header must reach the filter, as on the other servers
                .httpRequestDecoder(spec -> spec.maxHeaderSize(256 * 1024))
                .childOption(ChannelOption.ALLOCATOR, allocator))
                .handle(new ReactorHttpHandlerAdapter(handler))
                .bindNow(Duration.ofSeconds(30));
    }

    /** Puts {@code filter} in front of the application from the next request on. */
    void use(WebFilter filter) {
        this.filter = Objects.requireNonNull(filter, "filter");
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    /** Returns the bytes held now by buffers the server allocated and did not release. */
    long bytesHeld() {
        return allocator.metric().usedDirectMemory() + allocator.metric().usedHeapMemory();
    }

    /** Waits up to 20 seconds for {@code condition}: the server releases a connection's buffers when it closes. */
    static boolean await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    @Override
    public void close() {
        server.disposeNow(Duration.ofSeconds(10));
    }
}
