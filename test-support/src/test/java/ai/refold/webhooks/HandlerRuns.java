package ai.refold.webhooks;

import ai.refold.webhooks.event.WorkflowCompleted;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The runs of a handler that several receiver instances share, per event (its instance id): how many started, with
 * which {@link DeliveryContext.Attempt}, and the most that ever ran at the same moment, as the application's
 * downstream effects would show them.
 */
final class HandlerRuns {

    /** What a counted handler does once its run is recorded. */
    @FunctionalInterface
    interface Body {
        void run(WorkflowCompleted event, DeliveryContext context) throws Exception;
    }

    private final Map<String, List<DeliveryContext.Attempt>> attempts = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> mostAtOnce = new ConcurrentHashMap<>();

    /** Returns a handler that records each run of {@code body} under the event's instance id and {@code name}. */
    EventHandler<WorkflowCompleted> counting(String name, Body body) {
        return (event, context) -> {
            String run = key(event.instanceId(), name);
            attempts.computeIfAbsent(run, key -> new CopyOnWriteArrayList<>()).add(context.attempt());
            int now = running.computeIfAbsent(run, key -> new AtomicInteger()).incrementAndGet();
            mostAtOnce.computeIfAbsent(run, key -> new AtomicInteger()).accumulateAndGet(now, Math::max);
            try {
                body.run(event, context);
            } finally {
                running.get(run).decrementAndGet();
            }
        };
    }

    /** Returns a handler that records each run of {@code body} under the event's instance id. */
    EventHandler<WorkflowCompleted> counting(Body body) {
        return counting("", body);
    }

    /** Returns how many runs of the handler named {@code name} started for the event {@code instanceId}. */
    int of(String instanceId, String name) {
        return attemptsOf(instanceId, name).size();
    }

    /** Returns how many runs started for the event {@code instanceId}. */
    int of(String instanceId) {
        return of(instanceId, "");
    }

    /** Returns the attempt each run of the handler named {@code name} saw for the event, in the order they started. */
    List<DeliveryContext.Attempt> attemptsOf(String instanceId, String name) {
        return List.copyOf(attempts.getOrDefault(key(instanceId, name), List.of()));
    }

    /** Returns the attempt each run saw for the event, in the order they started. */
    List<DeliveryContext.Attempt> attemptsOf(String instanceId) {
        return attemptsOf(instanceId, "");
    }

    private static String key(String instanceId, String name) {
        return name.isEmpty() ? instanceId : instanceId + '/' + name;
    }

    /** Returns the most runs of the event that were ever running at the same moment. */
    int mostAtOnce(String instanceId) {
        AtomicInteger most = mostAtOnce.get(instanceId);
        return most == null ? 0 : most.get();
    }
}
