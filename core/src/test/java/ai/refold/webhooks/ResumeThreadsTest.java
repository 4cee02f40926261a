package ai.refold.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** A receiver's threads for refused resumptions, after its close: a late step still never runs on its caller. */
@Timeout(30)
class ResumeThreadsTest {

    @Test
    void aStepResumedAfterShutdownRunsOnceOnAThreadOfItsOwnThatEndsWithIt() throws Exception {
        ResumeThreads threads = new ResumeThreads(1);
        threads.shutdown();
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch ran = new CountDownLatch(1);

        threads.resume(() -> {
            ranOn.set(Thread.currentThread());
            runs.incrementAndGet();
            ran.countDown();
        });

        assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(ranOn.get()).isNotSameAs(Thread.currentThread());
        assertThat(ranOn.get().getName()).isEqualTo(ResumeThreads.NAME);
        assertThat(ranOn.get().isDaemon()).isTrue();
        ranOn.get().join(TimeUnit.SECONDS.toMillis(10));
        assertThat(ranOn.get().isAlive()).isFalse();
        assertThat(runs).hasValue(1);
    }

    // The analysis behind the pool's bound: a resumed step never waits for another one, it only hands it on. With a
    // single thread, a step that resumes another and returns lets that one run next, on the same thread.
    @Test
    void aStepThatHandsAnotherOnToTheSameSingleThreadDoesNotWaitForIt() throws Exception {
        ResumeThreads threads = new ResumeThreads(1);
        CountDownLatch second = new CountDownLatch(1);
        AtomicReference<Thread> first = new AtomicReference<>();
        AtomicReference<Thread> next = new AtomicReference<>();

        threads.resume(() -> {
            first.set(Thread.currentThread());
            threads.resume(() -> {
                next.set(Thread.currentThread());
                second.countDown();
            });
        });

        assertThat(second.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(next.get()).isSameAs(first.get());
        threads.shutdown();
    }
}
