package ai.refold.webhooks.subscription;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** A stand-in for Refold's API on a loopback port: records every request and answers as told. */
final class FakeRefoldApi implements AutoCloseable {

    /** A request as the fake received it; header names in lower case. */
    record Received(String method, String path, Map<String, List<String>> headers, String body) {
        String header(String name) {
            List<String> values = headers.get(name);
            return values == null || values.isEmpty() ? null : values.get(0);
        }
    }

    /**
     * What the fake answers. With {@code unfinished}, the body is only its start: the rest never comes, the fake
     * sending one space per {@code unfinished.pause()} until {@code unfinished.release()} opens, then closing.
     */
    record Answer(int status, String body, Unfinished unfinished) {
        Answer(int status, String body) {
            this(status, body, null);
        }
    }

    /** How an unfinished body goes on: a space every {@code pause} (a long pause is a stall) until released. */
    record Unfinished(Duration pause, CountDownLatch release) {
    }

    /** Decides the answer; may block, for example on a latch. */
    interface Responder {
        Answer answer(Received request) throws InterruptedException;
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private volatile Responder responder = request -> new Answer(500, "{}");
    private final CountDownLatch unfinishedBodyAbandoned = new CountDownLatch(1);

    private FakeRefoldApi() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    static FakeRefoldApi start() throws IOException {
        return new FakeRefoldApi();
    }

    URI baseUri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    FakeRefoldApi answering(int status, String body) {
        return answering(request -> new Answer(status, body));
    }

    FakeRefoldApi answering(Responder responder) {
        this.responder = responder;
        return this;
    }

    /** Answers {@code status} at once with the start of a body whose rest never comes; see {@link Answer}. */
    FakeRefoldApi answeringUnfinished(int status, String start, Duration pause, CountDownLatch release) {
        return answering(request -> new Answer(status, start, new Unfinished(pause, release)));
    }

    /** {@return whether, within {@code wait}, the client closed a connection carrying an unfinished body} */
    boolean awaitUnfinishedBodyAbandoned(Duration wait) throws InterruptedException {
        return unfinishedBodyAbandoned.await(wait.toNanos(), TimeUnit.NANOSECONDS);
    }

    FakeRefoldApi answeringBy(Function<Received, Answer> answers) {
        return answering(answers::apply);
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Map<String, List<String>> headers = new java.util.TreeMap<>();
            exchange.getRequestHeaders().forEach((name, values) ->
                    headers.put(name.toLowerCase(java.util.Locale.ROOT), List.copyOf(values)));
            Received request = new Received(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                    Map.copyOf(headers), new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            received.add(request);
            Answer answer;
            try {
                answer = responder.answer(request);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            if (answer.unfinished() != null) {
                writeUnfinished(exchange, answer.status(), body, answer.unfinished());
                return;
            }
            exchange.sendResponseHeaders(answer.status(), body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private void writeUnfinished(HttpExchange exchange, int status, byte[] start, Unfinished unfinished)
            throws IOException {
        exchange.sendResponseHeaders(status, 0); // chunked: no length promised, so the body can go on for ever
        OutputStream out = exchange.getResponseBody();
        try {
            out.write(start);
            out.flush();
            // bounded, so a client that never gives up cannot hang the build
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            long left;
            while ((left = deadline - System.nanoTime()) > 0 && !unfinished.release()
                    .await(Math.min(unfinished.pause().toNanos(), left), TimeUnit.NANOSECONDS)) {
                out.write(' ');
                out.flush();
            }
        } catch (IOException e) {
            unfinishedBodyAbandoned.countDown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
