package ai.refold.webhooks.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Stopping the periodic purge (a context stopped or closed) while a batch is under way: the batch is a DELETE, which
 * an interrupt could cut off mid-call and cost the pool its connection, so it ends on its own, and no batch follows.
 */
@Timeout(30)
class PeriodicPurgeTest {

    private static final int BATCH = 10;

    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch ended = new CountDownLatch(1);
    private final List<String> events = new CopyOnWriteArrayList<>();

    // A full batch, blocked until released: a purge not stopped would go on with another batch.
    private int blockingBatch(int size) {
        events.add("batch");
        started.countDown();
        try {
            events.add(release.await(20, TimeUnit.SECONDS) ? "deleted" : "timed out");
        } catch (InterruptedException e) {
            events.add("interrupted");
        }
        ended.countDown();
        return size;
    }

    @Test
    void stopLetsABatchUnderWayEndUninterruptedStartsNoOtherAndThenReturns() throws Exception {
        PeriodicPurge purge = new PeriodicPurge("rows", this::blockingBatch, Duration.ofMillis(10), BATCH,
                Duration.ofSeconds(20));
        purge.start();
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

        Thread stopper = new Thread(() -> {
            purge.stop();
            events.add("stopped");
        });
        stopper.start();
        // Released once stop returned (it did not wait) or waits: released earlier, the batch could end before stop
        // began, and an interrupt would find nothing to cut off.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (stopper.isAlive() && stopper.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline) {
            stopper.join(5);
        }
        release.countDown();
        stopper.join(TimeUnit.SECONDS.toMillis(20));

        assertThat(stopper.isAlive()).isFalse();
        assertThat(events).containsExactly("batch", "deleted", "stopped");
        assertThat(purge.isRunning()).isFalse();
    }

    @Test
    void stopWaitsForABatchUnderWayOnlyAsLongAsItsBoundAndDoesNotInterruptIt() throws Exception {
        PeriodicPurge purge = new PeriodicPurge("rows", this::blockingBatch, Duration.ofMillis(10), BATCH,
                Duration.ofMillis(100));
        purge.start();
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

        long start = System.nanoTime();
        purge.stop();
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        List<String> atStop = List.copyOf(events);
        release.countDown();

        assertThat(tookMillis).isBetween(100L, 5_000L);
        assertThat(atStop).containsExactly("batch");
        assertThat(ended.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(events).startsWith("batch", "deleted").doesNotContain("interrupted");
    }
}
