package ai.refold.webhooks.spring.inbox;

import ai.refold.webhooks.DeliveryListener;
import ai.refold.webhooks.DeliveryResult;
import ai.refold.webhooks.idempotency.InboxState;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Records what the inbox workers report, and lets a test wait for an outcome without sleeping. */
public class InboxAttempts implements DeliveryListener {

    /** One attempt at a stored delivery. */
    public record Attempt(String key, int attempt, InboxState outcome) {
    }

    private final List<Attempt> attempts = new ArrayList<>();

    @Override
    public void onDelivery(DeliveryResult result, Duration elapsed) {
    }

    @Override
    public synchronized void onInboxAttempt(String key, int attempt, InboxState outcome, Duration elapsed) {
        attempts.add(new Attempt(key, attempt, outcome));
        notifyAll();
    }

    public synchronized List<Attempt> of(String key) {
        return attempts.stream().filter(attempt -> attempt.key().equals(key)).toList();
    }

    /** Waits up to 30 seconds for an attempt at {@code key} to end {@code outcome}; returns the attempts so far. */
    public synchronized List<Attempt> await(String key, InboxState outcome) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (of(key).stream().noneMatch(attempt -> attempt.outcome() == outcome)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no attempt at " + key + " ended " + outcome + " within 30 s; attempts: "
                        + of(key));
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return of(key);
    }
}
