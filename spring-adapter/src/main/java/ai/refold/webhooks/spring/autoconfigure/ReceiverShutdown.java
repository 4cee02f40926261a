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
 * it to its lease; nothing stored is lost. A context that is only stopped, to be started again, keeps its receiver
 * (a closed one cannot receive again) but pauses its inbox workers ({@link WebhookReceiver#pause}: they finish what
 * they run within the same timeout and take nothing new), and its start resumes them. Closing is idempotent, so the
 * {@link DisposableBean} side only matters when the context was never started.
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

    // The executors start before this (a lower phase), so the workers' loops find them running again.
    @Override
    public void start() {
        receiver.resume();
        running = true;
    }

    // Before the executors stop (a lower phase): a Spring executor stopping waits for its running tasks, and a worker's
    // loop ends only once the receiver pauses or closes.
    @Override
    public void stop() {
        try {
            if (closing) {
                receiver.close(timeout);
            } else {
                receiver.pause(timeout);
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
