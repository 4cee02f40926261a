package ai.refold.webhooks.webflux;

import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.idempotency.ClaimResult;
import ai.refold.webhooks.idempotency.IdempotencyStore;
import ai.refold.webhooks.idempotency.InMemoryIdempotencyStore;
import ai.refold.webhooks.test.SamplePayloads;
import ai.refold.webhooks.test.TestDeliveries;
import ai.refold.webhooks.test.hardening.RawHttp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A sender that goes away while its delivery's handlers run, on a real Reactor Netty server: the handlers finish,
 * the claim is completed exactly once (never released, never ended twice), the body's bytes go back to the budget,
 * and the next copy is a duplicate.
 */
@Timeout(60)
class ClientGoneOverReactorNettyTest {

    private static final String API_KEY = "webflux-client-gone-api-key";
    private static final byte[] ERRORED = SamplePayloads.of(EventType.WORKFLOW_ERRORED);

    private final AtomicInteger claims = new AtomicInteger();
    private final AtomicInteger completions = new AtomicInteger();
    private final AtomicInteger releases = new AtomicInteger();
    private final AtomicInteger runs = new AtomicInteger();
    private NettyServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aSenderThatLeavesWhileItsHandlerRunsLeavesTheEventCompletedOnceAndItsBytesFree() throws Exception {
        CountDownLatch handling = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        CountDownLatch cancelled = new CountDownLatch(1);
        WebhookReceiver receiver = WebhookReceiver.builder().signingKey("test", API_KEY)
                .idempotencyStore(new CountingStore()).bodyBudget(ERRORED.length)
                .on(WorkflowErrored.class, (event, context) -> {
                    runs.incrementAndGet();
                    handling.countDown();
                    assertThat(finish.await(30, TimeUnit.SECONDS)).isTrue();
                }).build();
        RefoldWebhookWebFilter filter = RefoldWebhookWebFilter.builder(receiver).build();
        server = new NettyServer((exchange, chain) -> filter.filter(exchange, chain).doOnCancel(cancelled::countDown));

        try (Socket socket = send(ERRORED)) {
            assertThat(handling.await(20, TimeUnit.SECONDS)).isTrue();
        } // the sender leaves while the handler runs
        assertThat(cancelled.await(20, TimeUnit.SECONDS)).as("the server saw the sender leave").isTrue();
        finish.countDown();

        assertThat(NettyServer.await(() -> completions.get() == 1)).isTrue();
        // The budget holds one body: until the first gives its bytes back, a copy is answered busy.
        assertThat(NettyServer.await(() -> duplicate(deliver(ERRORED)))).as("a later copy is a duplicate").isTrue();
        assertThat(runs).hasValue(1);
        assertThat(claims).hasValueGreaterThanOrEqualTo(2);
        assertThat(completions).hasValue(1);
        assertThat(releases).hasValue(0);
        assertThat(NettyServer.await(() -> server.bytesHeld() == 0)).as("bytes held: %d", server.bytesHeld())
                .isTrue();
    }

    private static boolean duplicate(RawHttp.Response response) {
        return response != null && response.status() == 200 && response.body().startsWith("{\"status\":\"duplicate\"");
    }

    private Socket send(byte[] body) throws IOException {
        URI uri = server.uri("/webhooks/refold");
        Socket socket = new Socket(uri.getHost(), uri.getPort());
        OutputStream out = socket.getOutputStream();
        out.write(head(body).getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        return socket;
    }

    private RawHttp.Response deliver(byte[] body) {
        try {
            return RawHttp.sendUnfinished(server.uri("/webhooks/refold"), head(body).replace("\r\n\r\n", ""), body);
        } catch (IOException e) {
            return null;
        }
    }

    private static String head(byte[] body) {
        return "POST /webhooks/refold HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: "
                + "application/json\r\nx-cobalt-signature: " + TestDeliveries.withKey(API_KEY).signature(body)
                + "\r\nContent-Length: " + body.length + "\r\n\r\n";
    }

    /** The in-memory store, counting the calls that make and end claims. */
    private final class CountingStore implements IdempotencyStore {
        private final IdempotencyStore delegate = InMemoryIdempotencyStore.create();

        @Override
        public ClaimResult claim(String key, String owner, Duration lease) {
            claims.incrementAndGet();
            return delegate.claim(key, owner, lease);
        }

        @Override
        public boolean renew(String key, String owner, Duration lease) {
            return delegate.renew(key, owner, lease);
        }

        @Override
        public boolean complete(String key, String owner, Duration retention) {
            completions.incrementAndGet();
            return delegate.complete(key, owner, retention);
        }

        @Override
        public boolean release(String key, String owner) {
            releases.incrementAndGet();
            return delegate.release(key, owner);
        }

        @Override
        public Optional<Duration> leaseRemaining(String key) {
            return delegate.leaseRemaining(key);
        }
    }
}
