package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.WebhookReceiver;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.ContextClosedEvent;

import java.time.Duration;

/**
 * Closes the receiver within {@code refold.webhooks.shutdown-timeout} when the context closes: just before the web
 * server's graceful shutdown, and before the receiver's executors stop (see {@link RefoldTaskExecutors}). New
 * deliveries are answered 503 while the web server still takes them, deliveries in flight finish, acknowledge-fast
 * work that never started is released with its key logged, and inbox workers finish their current delivery or leave
 * it to its lease; nothing stored is lost. A context that is only stopped, to be started again, keeps its receiver:
 * a closed one cannot receive again. Closing is idempotent, so the {@link DisposableBean} side only matters when the
 * context was never started.
 */
final class ReceiverShutdown implements SmartLifecycle, DisposableBean, ApplicationContextAware,
        ApplicationListener<ContextClosedEvent> {

    private final WebhookReceiver receiver;
    private final Duration timeout;
    private volatile ApplicationContext context;
    private volatile boolean closing;
    private volatile boolean running;

    ReceiverShutdown(WebhookReceiver receiver, Duration timeout) {
        this.receiver = receiver;
        this.timeout = timeout;
    }

    @Override
    public void setApplicationContext(ApplicationContext context) {
        this.context = context;
    }

    // Published before any bean stops; a child context's closing reaches this listener too, and is not this one's.
    @Override
    public void onApplicationEvent(ContextClosedEvent event) {
        if (event.getApplicationContext() == context) {
            closing = true;
        }
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        try {
            if (closing) {
                receiver.close(timeout);
            }
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
