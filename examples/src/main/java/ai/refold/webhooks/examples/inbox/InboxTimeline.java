package ai.refold.webhooks.examples.inbox;

import ai.refold.webhooks.DeliveryListener;
import ai.refold.webhooks.DeliveryResult;
import ai.refold.webhooks.idempotency.InboxState;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What happened to each stored delivery, in order: what its handler did on each attempt, and what the inbox made of
 * the attempt (due again, dead or done), as the workers report it to every {@link DeliveryListener}.
 */
public final class InboxTimeline implements DeliveryListener {

    /**
     * One attempt at a delivery.
     *
     * @param key     the delivery's idempotency key
     * @param attempt its number, from 1 (from 1 again after a replay)
     * @param outcome PENDING (to be tried again), DEAD or DONE
     * @param note    what the handler did, or why it failed
     */
    public record Attempt(String key, int attempt, InboxState outcome, String note) {
    }

    private final List<String> notes = new ArrayList<>();
    private final List<String> noteKeys = new ArrayList<>();
    private final List<Attempt> attempts = new ArrayList<>();

    synchronized void handled(String key, String action) {
        noteKeys.add(key);
        notes.add(action);
    }

    synchronized void failed(String key, String reason) {
        noteKeys.add(key);
        notes.add("failed: " + reason);
    }

    @Override
    public void onDelivery(DeliveryResult result, Duration elapsed) {
    }

    @Override
    public synchronized void onInboxAttempt(String key, int attempt, InboxState outcome, Duration elapsed) {
        attempts.add(new Attempt(key, attempt, outcome, note(key, (int) attempts.stream()
                .filter(earlier -> earlier.key().equals(key)).count())));
        notifyAll();
    }

    /** Returns the attempts at {@code key} so far, in order. */
    public synchronized List<Attempt> of(String key) {
        return attempts.stream().filter(attempt -> attempt.key().equals(key)).toList();
    }

    /**
     * Waits up to {@code timeout} until the attempts at {@code key} number {@code count}, and returns them (fewer if
     * the time ran out).
     */
    public synchronized List<Attempt> await(String key, int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (of(key).size() < count) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return of(key);
    }

    // The handler's n-th note about `key` (n from 0): the handler notes each call before the inbox reports it.
    private String note(String key, int n) {
        int seen = 0;
        for (int i = 0; i < notes.size(); i++) {
            if (noteKeys.get(i).equals(key) && seen++ == n) {
                return notes.get(i);
            }
        }
        return "-";
    }
}
