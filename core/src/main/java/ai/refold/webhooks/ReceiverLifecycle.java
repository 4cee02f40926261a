package ai.refold.webhooks;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A receiver's close, and the pause and resume of its inbox's workers around a framework's lifecycle stop and start:
 * what {@link WebhookReceiver#close(Duration)}, {@link WebhookReceiver#pause} and {@link WebhookReceiver#resume} do.
 */
final class ReceiverLifecycle {

    private final Dispatch dispatch;
    private final Inbox inbox;
    private final Heartbeats heartbeats;
    private final AtomicBoolean closed = new AtomicBoolean();

    ReceiverLifecycle(Dispatch dispatch, Inbox inbox, Heartbeats heartbeats) {
        this.dispatch = dispatch;
        this.inbox = inbox;
        this.heartbeats = heartbeats;
    }

    /** Closes as {@link WebhookReceiver#close(Duration)} says; only the first call does anything. */
    void close(Duration timeout) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            dispatch.close(timeout);
            if (inbox != null) {
                inbox.close(timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            dispatch.cancelAll();
        } finally {
            heartbeats.close();
        }
    }

    /** Pauses the inbox's workers as {@link WebhookReceiver#pause} says; true outside inbox mode or once closed. */
    boolean pause(Duration timeout) {
        if (inbox == null || closed.get()) {
            return true;
        }
        try {
            return inbox.pause(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Resumes the inbox's workers after {@link #pause}; nothing outside inbox mode or once closed. */
    void resume() {
        if (inbox != null && !closed.get()) {
            inbox.resume();
        }
    }

    // The caller now runs the application's code itself: the delivery is no longer cancellable at shutdown. One that
    // a shutdown cancelled first is answered instead.
    static Admission started(Admission admission) {
        if (admission instanceof Admission.Admitted admitted && !admitted.start()) {
            return new Admission.Answered(Dispatch.shuttingDown(admitted));
        }
        return admission;
    }
}
