package ai.refold.webhooks.idempotency;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * Concurrent calls share a statement: each returns its own result once the statement that carried it ended, or
 * throws what ended it. The statements here are recorded, and the first one is held on a latch so that calls queue
 * behind it deterministically.
 */
class GroupCommitTest {

    private final ExecutorService callers = Executors.newCachedThreadPool();
    private final List<List<Integer>> statements = new CopyOnWriteArrayList<>();
    private final CountDownLatch firstStarted = new CountDownLatch(1);
    private final CountDownLatch releaseFirst = new CountDownLatch(1);
    private final AtomicBoolean holdFirst = new AtomicBoolean(true);

    @AfterEach
    void stopCallers() throws InterruptedException {
        releaseFirst.countDown();
        callers.shutdownNow();
        assertThat(callers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    // Records each statement's items; true for even items. The first statement waits until released.
    private boolean[] record(List<Integer> items) {
        statements.add(List.copyOf(items));
        if (holdFirst.getAndSet(false)) {
            firstStarted.countDown();
            await(releaseFirst);
        }
        boolean[] results = new boolean[items.size()];
        for (int i = 0; i < results.length; i++) {
            results[i] = items.get(i) % 2 == 0;
        }
        return results;
    }

    @Test
    void aCallThatFindsNoStatementRunningRunsAtOnceAloneOnItsOwnThread() {
        holdFirst.set(false);
        List<Thread> ranOn = new ArrayList<>();
        GroupCommit<Integer> group = new GroupCommit<>(items -> {
            ranOn.add(Thread.currentThread());
            return record(items);
        }, failure -> false, 64, 1);

        assertThat(group.call(4)).isTrue();
        assertThat(group.call(7)).isFalse();

        assertThat(statements).containsExactly(List.of(4), List.of(7));
        assertThat(ranOn).containsOnly(Thread.currentThread());
    }

    @Test
    void callsThatArriveWhileAStatementRunsAreCarriedTogetherByTheNextEachWithItsOwnResult() throws Exception {
        GroupCommit<Integer> group = new GroupCommit<>(this::record, failure -> false, 64, 1);
        Future<Boolean> first = callers.submit(() -> group.call(0));
        assertThat(firstStarted.await(10, TimeUnit.SECONDS)).isTrue();
        List<Future<Boolean>> queued = new ArrayList<>();
        for (int item = 1; item <= 6; item++) {
            int value = item;
            queued.add(callers.submit(() -> group.call(value)));
        }
        awaitQueued(group, 6);

        releaseFirst.countDown();

        assertThat(first.get(10, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < queued.size(); i++) {
            assertThat(queued.get(i).get(10, TimeUnit.SECONDS)).as("item %d", i + 1).isEqualTo((i + 1) % 2 == 0);
        }
        assertThat(statements).hasSize(2);
        assertThat(statements.get(0)).containsExactly(0);
        assertThat(statements.get(1)).containsExactlyInAnyOrder(1, 2, 3, 4, 5, 6);
    }

    @Test
    void noStatementCarriesMoreThanTheLimitAndEveryCallIsCarriedOnce() throws Exception {
        GroupCommit<Integer> group = new GroupCommit<>(this::record, failure -> false, 3, 1);
        Future<Boolean> first = callers.submit(() -> group.call(0));
        assertThat(firstStarted.await(10, TimeUnit.SECONDS)).isTrue();
        List<Future<Boolean>> queued = new ArrayList<>();
        for (int item = 1; item <= 8; item++) {
            int value = item;
            queued.add(callers.submit(() -> group.call(value)));
        }
        awaitQueued(group, 8);

        releaseFirst.countDown();

        first.get(10, TimeUnit.SECONDS);
        for (Future<Boolean> call : queued) {
            call.get(10, TimeUnit.SECONDS);
        }
        assertThat(statements).allSatisfy(items -> assertThat(items).hasSizeBetween(1, 3));
        assertThat(statements.stream().flatMap(List::stream)).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7, 8);
        assertThat(statements).hasSizeGreaterThanOrEqualTo(4); // 1 + ceil(8 / 3)
    }

    @Test
    void aFailedStatementFailsEveryCallItCarriedEachWithAnExceptionOfItsOwnAndTheNextStatementRunsAsUsual()
            throws Exception {
        StoreUnavailableException down = new StoreUnavailableException("inbox could not store a delivery: database"
                + " error (SQL state 08006)");
        // The statement after the held one fails.
        GroupCommit<Integer> group = new GroupCommit<>(items -> {
            boolean[] results = record(items);
            if (statements.size() == 2) {
                throw down;
            }
            return results;
        }, failure -> false, 64, 1);
        Future<Boolean> first = callers.submit(() -> group.call(0));
        assertThat(firstStarted.await(10, TimeUnit.SECONDS)).isTrue();
        List<Future<Boolean>> queued = new ArrayList<>();
        for (int item = 1; item <= 3; item++) {
            int value = item;
            queued.add(callers.submit(() -> group.call(value)));
        }
        awaitQueued(group, 3);

        releaseFirst.countDown();

        assertThat(first.get(10, TimeUnit.SECONDS)).isTrue();
        List<Throwable> failures = new ArrayList<>();
        for (Future<Boolean> call : queued) {
            try {
                call.get(10, TimeUnit.SECONDS);
                fail("a call carried by the failed statement returned");
            } catch (java.util.concurrent.ExecutionException e) {
                failures.add(e.getCause());
            }
        }
        assertThat(failures).allSatisfy(failure -> {
            assertThat(failure).isInstanceOf(StoreUnavailableException.class).hasMessage(down.getMessage());
            assertThat(failure == down || failure.getCause() == down).isTrue();
        });
        assertThat(failures.stream().distinct()).hasSize(3);
        assertThat(group.call(8)).isTrue();
    }

    @Test
    void theThreadThatRanAFailedStatementForItsOwnCallThrowsItsFailureItself() {
        holdFirst.set(false);
        IllegalStateException broken = new IllegalStateException("headers could not be written as JSON");
        GroupCommit<Integer> group = new GroupCommit<>(items -> {
            throw broken;
        }, failure -> false, 64, 1);

        assertThatThrownBy(() -> group.call(1)).isSameAs(broken);
    }

    @Test
    void anInterruptedCallerStillGetsTheResultOfTheStatementThatCarriesItAndKeepsItsInterrupt() throws Exception {
        GroupCommit<Integer> group = new GroupCommit<>(this::record, failure -> false, 64, 1);
        Future<Boolean> first = callers.submit(() -> group.call(0));
        assertThat(firstStarted.await(10, TimeUnit.SECONDS)).isTrue();
        AtomicBoolean interruptedAfter = new AtomicBoolean();
        Thread[] caller = new Thread[1];
        CountDownLatch calling = new CountDownLatch(1);
        Future<Boolean> queued = callers.submit(() -> {
            caller[0] = Thread.currentThread();
            calling.countDown();
            boolean result = group.call(2);
            interruptedAfter.set(Thread.currentThread().isInterrupted());
            return result;
        });
        assertThat(calling.await(10, TimeUnit.SECONDS)).isTrue();
        awaitQueued(group, 1);

        caller[0].interrupt();
        Thread.sleep(50); // a caller that gave up on the interrupt would return now, before its statement ran
        assertThat(queued).isNotDone();
        releaseFirst.countDown();

        assertThat(first.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(queued.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(interruptedAfter).isTrue();
        assertThat(statements).containsExactly(List.of(0), List.of(2));
    }

    @Test
    void manyCallersAtOnceEachGetTheirOwnResultWhateverTheGrouping() throws Exception {
        holdFirst.set(false);
        GroupCommit<Integer> group = new GroupCommit<>(this::record, failure -> false, 5, 1);
        int threads = 8;
        int perThread = 2_000;
        List<Future<Integer>> results = new ArrayList<>();
        CountDownLatch start = new CountDownLatch(1);
        for (int t = 0; t < threads; t++) {
            int offset = t * perThread;
            results.add(callers.submit(() -> {
                start.await();
                int wrong = 0;
                for (int i = offset; i < offset + perThread; i++) {
                    if (group.call(i) != (i % 2 == 0)) {
                        wrong++;
                    }
                }
                return wrong;
            }));
        }
        start.countDown();

        for (Future<Integer> result : results) {
            assertThat(result.get(60, TimeUnit.SECONDS)).isZero();
        }
        assertThat(statements.stream().mapToInt(List::size).sum()).isEqualTo(threads * perThread);
        assertThat(statements).allSatisfy(items -> assertThat(items).hasSizeBetween(1, 5));
    }

    @Test
    void aStatementThatFailsOnOneOfItsRowsIsRunAgainOneCallAtATimeSoThatOnlyThatCallFails() throws Exception {
        StoreUnavailableException badRow = new StoreUnavailableException("inbox could not store a delivery: database"
                + " error (SQL state 22001)");
        GroupCommit<Integer> group = new GroupCommit<>(items -> {
            boolean[] results = record(items);
            if (items.contains(13)) {
                throw badRow;
            }
            return results;
        }, failure -> failure == badRow, 64, 1);
        Future<Boolean> first = callers.submit(() -> group.call(0));
        assertThat(firstStarted.await(10, TimeUnit.SECONDS)).isTrue();
        List<Future<Boolean>> queued = new ArrayList<>();
        for (int item : new int[] {12, 13, 14}) {
            queued.add(callers.submit(() -> group.call(item)));
        }
        awaitQueued(group, 3);

        releaseFirst.countDown();

        assertThat(first.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(queued.get(0).get(10, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(() -> queued.get(1).get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(
                StoreUnavailableException.class);
        assertThat(queued.get(2).get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(statements.subList(2, statements.size())).containsExactlyInAnyOrder(List.of(12), List.of(13),
                List.of(14));
    }

    @Test
    void aStoreThatCannotAnswerIsNotAskedAgainForEachRow() throws Exception {
        StoreUnavailableException down = new StoreUnavailableException("inbox could not store a delivery: database"
                + " error (SQL state 08001)");
        GroupCommit<Integer> group = new GroupCommit<>(items -> {
            boolean[] results = record(items);
            if (statements.size() > 1) {
                throw down;
            }
            return results;
        }, failure -> failure != down, 64, 1);
        Future<Boolean> first = callers.submit(() -> group.call(0));
        assertThat(firstStarted.await(10, TimeUnit.SECONDS)).isTrue();
        List<Future<Boolean>> queued = new ArrayList<>();
        for (int item = 1; item <= 4; item++) {
            int value = item;
            queued.add(callers.submit(() -> group.call(value)));
        }
        awaitQueued(group, 4);

        releaseFirst.countDown();

        first.get(10, TimeUnit.SECONDS);
        for (Future<Boolean> call : queued) {
            assertThatThrownBy(() -> call.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(
                    StoreUnavailableException.class);
        }
        assertThat(statements).hasSize(2);
    }

    // An Error (out of memory, say) thrown by a statement ends every call it carried, and the group goes on: nobody
    // waits for ever on a call taken from the queue.
    @Test
    void anErrorThrownByAStatementEndsEveryCallItCarriedAndTheNextStatementRunsAsUsual() throws Exception {
        GroupCommit<Integer> group = new GroupCommit<>(items -> {
            boolean[] results = record(items);
            if (statements.size() == 2) {
                throw new OutOfMemoryError("statement");
            }
            return results;
        }, failure -> false, 64, 1);
        Future<Boolean> first = callers.submit(() -> group.call(0));
        assertThat(firstStarted.await(10, TimeUnit.SECONDS)).isTrue();
        List<Future<Boolean>> queued = new ArrayList<>();
        for (int item = 1; item <= 3; item++) {
            int value = item;
            queued.add(callers.submit(() -> group.call(value)));
        }
        awaitQueued(group, 3);

        releaseFirst.countDown();

        assertThat(first.get(10, TimeUnit.SECONDS)).isTrue();
        for (Future<Boolean> call : queued) {
            assertThatThrownBy(() -> call.get(10, TimeUnit.SECONDS)).satisfies(failure -> assertThat(
                    failure.getCause()).isInstanceOfAny(OutOfMemoryError.class, IllegalStateException.class));
        }
        assertThat(group.call(4)).isTrue();
        assertThat(group.waiting()).isZero();
    }

    // A statement carries other callers' rows, so it runs free of the interrupt of the thread that runs it; the caller
    // gets its interrupt back afterwards.
    @Test
    void theThreadThatRunsAStatementRunsItFreeOfItsOwnInterruptAndGetsItBackAfterwards() {
        holdFirst.set(false);
        List<Boolean> interruptedInStatement = new CopyOnWriteArrayList<>();
        GroupCommit<Integer> group = new GroupCommit<>(items -> {
            interruptedInStatement.add(Thread.currentThread().isInterrupted());
            return record(items);
        }, failure -> false, 64, 1);

        Thread.currentThread().interrupt();
        boolean result = group.call(2);

        assertThat(Thread.interrupted()).isTrue();
        assertThat(result).isTrue();
        assertThat(interruptedInStatement).containsExactly(false);
    }

    @Test
    void withTwoLanesASecondStatementRunsWhileTheFirstIsHeld() throws Exception {
        GroupCommit<Integer> group = new GroupCommit<>(this::record, failure -> false, 64, 2);
        Future<Boolean> first = callers.submit(() -> group.call(0));
        assertThat(firstStarted.await(10, TimeUnit.SECONDS)).isTrue();

        assertThat(callers.submit(() -> group.call(1)).get(10, TimeUnit.SECONDS)).isFalse();

        assertThat(first).isNotDone();
        releaseFirst.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(statements).containsExactly(List.of(0), List.of(1));
    }

    private static void awaitQueued(GroupCommit<?> group, int calls) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (group.waiting() < calls) {
            if (System.nanoTime() > deadline) {
                fail("only " + group.waiting() + " of " + calls + " calls queued");
            }
            Thread.sleep(1);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("not released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
