package ai.refold.webhooks.test.hardening;

import ai.refold.webhooks.DeliveryRequest;
import ai.refold.webhooks.event.WorkflowCompleted;
import ai.refold.webhooks.test.TestDeliveries;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * What a soak sends, drawn from a seeded {@link Random}: {@code Workflow Completed} events numbered from 0, each
 * sent once or, for {@value #DUPLICATE_PERCENT}% of them, two or three times (half of those copies at the same
 * moment); {@value #FAILURE_PERCENT}% of events fail in the handler on their first attempt, and a given share are
 * handled slowly. Deliveries are signed with {@link #API_KEY}.
 */
public final class DeliveryPlan {

    /** The key the plan's deliveries are signed with. */
    public static final String API_KEY = "rk_live_soak_5d1e9b3a7c2f4e8d";

    /** The share of events Refold sends more than once, in percent. */
    public static final int DUPLICATE_PERCENT = 30;

    /** The share of events whose handler fails on its first attempt, in percent. */
    public static final int FAILURE_PERCENT = 5;

    private static final String INSTANCE_PREFIX = "soak-";
    private static final TestDeliveries SIGNED = TestDeliveries.withKey(API_KEY);

    /** Sends one copy of an event, with its retries. */
    @FunctionalInterface
    public interface CopySender {
        /**
         * Sends copy {@code copy} of event {@code event}, retrying as Refold does until it is acknowledged.
         *
         * @param event the event's number
         * @param copy  the copy's number, from 0
         * @throws Exception if the copy could not be delivered; the soak then fails
         */
        void send(int event, int copy) throws Exception;
    }

    private final int[] copies;
    private final boolean[] concurrentCopies;
    private final boolean[] failsFirst;
    private final boolean[] slow;

    private DeliveryPlan(int events) {
        copies = new int[events];
        concurrentCopies = new boolean[events];
        failsFirst = new boolean[events];
        slow = new boolean[events];
    }

    /**
     * Draws a plan of {@code events} events of which {@code slowPercent}% are handled slowly.
     *
     * @param events      how many distinct events to send
     * @param random      the seeded source every choice is drawn from, so that a seed repeats a plan
     * @param slowPercent the share of events handled slowly, 0 to 100
     * @return the plan
     * @throws IllegalArgumentException if {@code events} is negative or {@code slowPercent} is not a percentage
     */
    public static DeliveryPlan draw(int events, Random random, int slowPercent) {
        if (events < 0 || slowPercent < 0 || slowPercent > 100) {
            throw new IllegalArgumentException("events must not be negative nor slowPercent outside 0..100");
        }
        DeliveryPlan plan = new DeliveryPlan(events);
        for (int i = 0; i < events; i++) {
            plan.failsFirst[i] = random.nextInt(100) < FAILURE_PERCENT;
            plan.copies[i] = random.nextInt(100) < DUPLICATE_PERCENT ? 2 + random.nextInt(2) : 1;
            plan.concurrentCopies[i] = plan.copies[i] > 1 && random.nextBoolean();
            // Drawn only when asked for, so that a plan without slow events is the one earlier soaks drew.
            plan.slow[i] = slowPercent > 0 && random.nextInt(100) < slowPercent;
        }
        return plan;
    }

    /** {@return how many distinct events the plan sends} */
    public int events() {
        return copies.length;
    }

    /**
     * {@return how many copies of {@code event} Refold sends, each with its own retries}
     *
     * @param event the event's number, from 0
     */
    public int copies(int event) {
        return copies[event];
    }

    /**
     * {@return whether the copies of {@code event} are sent at the same moment}
     *
     * @param event the event's number, from 0
     */
    public boolean concurrentCopies(int event) {
        return concurrentCopies[event];
    }

    /**
     * {@return whether the handler of {@code event} fails on its first attempt}
     *
     * @param event the event's number, from 0
     */
    public boolean failsFirst(int event) {
        return failsFirst[event];
    }

    /**
     * {@return whether {@code event} is handled slowly}
     *
     * @param event the event's number, from 0
     */
    public boolean slow(int event) {
        return slow[event];
    }

    /** {@return how many events fail on their first attempt} */
    public int failing() {
        return count(failsFirst);
    }

    /** {@return how many events are handled slowly} */
    public int slowEvents() {
        return count(slow);
    }

    /** {@return how many copies are sent beyond one per event} */
    public int duplicates() {
        int duplicates = 0;
        for (int copy : copies) {
            duplicates += copy - 1;
        }
        return duplicates;
    }

    /**
     * {@return the signed delivery of {@code event}; every copy and retry sends these same bytes}
     *
     * @param event the event's number, from 0
     */
    public DeliveryRequest delivery(int event) {
        return SIGNED.of(HostileRequests.workflow(INSTANCE_PREFIX + event));
    }

    /**
     * {@return the number of the event a handler was given}
     *
     * @param event an event the plan sent
     */
    public static int eventOf(WorkflowCompleted event) {
        return Integer.parseInt(event.instanceId().substring(INSTANCE_PREFIX.length()));
    }

    /**
     * {@return one task per event, or per copy for copies sent at the same moment, that sends through
     * {@code sender}; run them on a pool of three threads or more} Copies sent together wait for each other before
     * leaving, so that they race for the claim; queued side by side and taken in order, at most one group is partly
     * started at a time, so waiting copies cannot stall such a pool.
     *
     * @param sender sends one copy of an event, with its retries
     */
    public List<Callable<Void>> senders(CopySender sender) {
        List<Callable<Void>> senders = new ArrayList<>();
        for (int i = 0; i < events(); i++) {
            int event = i;
            if (concurrentCopies[event]) {
                CountDownLatch start = new CountDownLatch(copies[event]);
                for (int copy = 0; copy < copies[event]; copy++) {
                    int number = copy;
                    senders.add(() -> {
                        start.countDown();
                        start.await();
                        sender.send(event, number);
                        return null;
                    });
                }
            } else {
                senders.add(() -> {
                    for (int copy = 0; copy < copies[event]; copy++) {
                        sender.send(event, copy);
                    }
                    return null;
                });
            }
        }
        return senders;
    }

    private static int count(boolean[] flags) {
        int count = 0;
        for (boolean flag : flags) {
            count += flag ? 1 : 0;
        }
        return count;
    }
}
