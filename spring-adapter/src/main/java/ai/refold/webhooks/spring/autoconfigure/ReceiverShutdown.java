package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.WebhookReceiver;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;

import java.time.Duration;

/**
 * Closes the receiver within {@code refold.webhooks.shutdown-timeout} when the context closes: after the web server
 * stopped taking requests and before the receiver's executors stop (see {@link RefoldTaskExecutors}). Deliveries in
 * flight finish, acknowledge-fast work that never started is released with its key logged, and inbox workers finish
 * their current delivery or leave it to its lease; nothing stored is lost. Closing is idempotent, so the
 * {@link DisposableBean} side only matters when the context was never started.
 */
final class ReceiverShutdown implements SmartLifecycle, DisposableBean {

    private final WebhookReceiver receiver;
    private final Duration timeout;
    private volatile boolean running;

    ReceiverShutdown(WebhookReceiver receiver, Duration timeout) {
        this.receiver = receiver;
        this.timeout = timeout;
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        try {
            receiver.close(timeout);
        } finally {
            running = false;
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return RefoldTaskExecutors.RECEIVER_CLOSE_PHASE;
    }

    @Override
    public void destroy() {
        receiver.close(timeout);
    }
}
