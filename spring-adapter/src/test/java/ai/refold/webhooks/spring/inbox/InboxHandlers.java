package ai.refold.webhooks.spring.inbox;

import ai.refold.webhooks.DeliveryContext;
import ai.refold.webhooks.event.WorkflowCompleted;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.spring.RefoldWebhook;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Handlers for inbox tests, steered by the workflow run's instance id: a run can fail a number of times, fail until
 * fixed, or (Workflow Completed) hold its worker until released. Records every successful run.
 */
public class InboxHandlers {

    /** One successful run of a handler. */
    public record Run(String instanceId, DeliveryContext context, boolean interrupted) {
    }

    public final List<Run> runs = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> failuresLeft = new ConcurrentHashMap<>();
    private final Set<String> broken = ConcurrentHashMap.newKeySet();
    /** Counted down when a Workflow Completed handler starts. */
    public volatile CountDownLatch started = new CountDownLatch(1);
    /** What a Workflow Completed handler waits for before it returns. */
    public volatile CountDownLatch release = new CountDownLatch(0);

    /** Makes the run {@code instanceId} fail {@code times} times, then succeed. */
    public void failTimes(String instanceId, int times) {
        failuresLeft.put(instanceId, new AtomicInteger(times));
    }

    /** Makes the run {@code instanceId} fail until {@link #fix}. */
    public void breakFor(String instanceId) {
        broken.add(instanceId);
    }

    public void fix(String instanceId) {
        broken.remove(instanceId);
    }

    public List<Run> runs(String instanceId) {
        return runs.stream().filter(run -> run.instanceId().equals(instanceId)).toList();
    }

    @RefoldWebhook
    void onErrored(WorkflowErrored event, DeliveryContext context) {
        String id = event.instanceId();
        AtomicInteger left = failuresLeft.get(id);
        if (broken.contains(id) || left != null && left.getAndDecrement() > 0) {
            throw new IllegalStateException("CRM unavailable for run " + id);
        }
        runs.add(new Run(id, context, false));
    }

    @RefoldWebhook
    void onCompleted(WorkflowCompleted event, DeliveryContext context) throws InterruptedException {
        started.countDown();
        boolean interrupted = false;
        try {
            release.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
        }
        runs.add(new Run(event.instanceId(), context, interrupted));
    }
}
