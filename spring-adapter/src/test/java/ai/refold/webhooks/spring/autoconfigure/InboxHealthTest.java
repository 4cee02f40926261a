package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.idempotency.InMemoryInboxStore;
import ai.refold.webhooks.idempotency.InboxStats;
import ai.refold.webhooks.idempotency.InboxStore;
import ai.refold.webhooks.idempotency.StoreUnavailableException;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/** The one place that decides the inbox's health for both Boot lines, and the cache that feeds the gauges. */
class InboxHealthTest {

    private static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");
    private static final Duration MAX_DUE_AGE = Duration.ofMinutes(10);

    private static InboxReading.Snapshot<Optional<Instant>> read(Instant oldestDue) {
        return new InboxReading.Snapshot<>(NOW, Optional.of(Optional.ofNullable(oldestDue)), Optional.empty());
    }

    @Test
    void anInboxWithNothingDueIsUp() {
        InboxHealth.Verdict verdict = InboxHealth.of(read(null), MAX_DUE_AGE);

        assertThat(verdict.status()).isEqualTo(InboxHealth.UP);
        assertThat(verdict.details()).containsOnly(Map.entry("maxDueAgeSeconds", 600L));
    }

    // A probe every few seconds must not read every row kept for the duplicate guard: the health asks the store for
    // the oldest due delivery only, never for its counts, and at most once a second.
    @Test
    void theHealthAsksTheStoreForTheOldestDueDeliveryOnlyAtMostOncePerSecondAndNeverCountsEntries() {
        AtomicInteger counted = new AtomicInteger();
        AtomicInteger asked = new AtomicInteger();
        // One delivery due since NOW.
        InboxStore store = (InboxStore) Proxy.newProxyInstance(InboxStore.class.getClassLoader(),
                new Class<?>[] {InboxStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("oldestDue")) {
                        asked.incrementAndGet();
                        return Optional.of(NOW);
                    }
                    counted.incrementAndGet();
                    throw new AssertionError("the health asked the store for " + method.getName());
                });
        MutableClock clock = new MutableClock();
        InboxHealth health = new InboxHealth(patient(store::oldestDue, clock), MAX_DUE_AGE);

        assertThat(health.check().status()).isEqualTo(InboxHealth.UP);
        clock.advance(Duration.ofMillis(999));
        assertThat(health.check().status()).isEqualTo(InboxHealth.UP);
        assertThat(asked).hasValue(1);
        clock.advance(MAX_DUE_AGE);
        InboxHealth.Verdict late = health.check();

        assertThat(late.status()).isEqualTo(InboxHealth.OUT_OF_SERVICE);
        assertThat(asked).hasValue(2);
        assertThat(counted).hasValue(0);
    }

    @Test
    void anInboxWhoseOldestDueDeliveryWaitedUpToTheThresholdIsUp() {
        InboxHealth.Verdict verdict = InboxHealth.of(read(NOW.minus(MAX_DUE_AGE)), MAX_DUE_AGE);

        assertThat(verdict.status()).isEqualTo(InboxHealth.UP);
        assertThat(verdict.details()).containsEntry("oldestDueAgeSeconds", 600L);
    }

    @Test
    void anInboxWhoseOldestDueDeliveryWaitedLongerThanTheThresholdIsOutOfService() {
        InboxHealth.Verdict verdict = InboxHealth.of(read(NOW.minus(MAX_DUE_AGE).minusSeconds(1)), MAX_DUE_AGE);

        assertThat(verdict.status()).isEqualTo(InboxHealth.OUT_OF_SERVICE);
        assertThat(verdict.details()).containsEntry("oldestDueAgeSeconds", 601L);
    }

    @Test
    void aDueTimeAheadOfTheApplicationsClockCountsAsNoWait() {
        assertThat(InboxHealth.of(read(NOW.plusSeconds(2)), MAX_DUE_AGE).details()).containsEntry("oldestDueAgeSeconds",
                0L);
    }

    @Test
    void aStoreThatCannotAnswerIsDownNamingTheFailureWithoutItsSecrets() {
        RuntimeException unavailable = new StoreUnavailableException("inbox could not count deliveries: database"
                + " error (SQLState 08001)\nsecond line");
        RuntimeException other = new IllegalStateException("jdbc:postgresql://db/app?password=hunter2");

        InboxHealth.Verdict down = InboxHealth.of(failed(unavailable), MAX_DUE_AGE);
        InboxHealth.Verdict otherDown = InboxHealth.of(failed(other), MAX_DUE_AGE);

        assertThat(down.status()).isEqualTo(InboxHealth.DOWN);
        assertThat(down.details()).containsOnly(Map.entry("error", StoreUnavailableException.class.getName()
                + ": inbox could not count deliveries: database error (SQLState 08001)"));
        assertThat(otherDown.status()).isEqualTo(InboxHealth.DOWN);
        assertThat(otherDown.details()).containsOnly(Map.entry("error", IllegalStateException.class.getName()));
    }

    // A process out of threads: the caller reads the store itself, and gets what it read.
    @Test
    void aReadingNoThreadCanBeMadeForIsMadeByTheCallerAndAnswered() {
        AtomicInteger asked = new AtomicInteger();
        InboxStore counted = counting(InMemoryInboxStore.create(), asked, new AtomicReference<>());
        InboxReading<InboxStats> cache = new InboxReading<>(counted::stats, new MutableClock(), task -> {
            throw new OutOfMemoryError("unable to create native thread: possibly out of memory");
        }, InboxReading.MAX_WAIT);

        InboxReading.Snapshot<InboxStats> read = cache.current();

        assertThat(read.failure()).isEmpty();
        assertThat(read.value()).isPresent();
        assertThat(cache.current()).isSameAs(read);
        assertThat(asked).hasValue(1);
    }

    @Test
    void theCacheAsksTheStoreAtMostOncePerSecondAndRemembersAFailureAsLong() {
        AtomicInteger asked = new AtomicInteger();
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        InboxStore counted = counting(InMemoryInboxStore.create(), asked, failure);
        MutableClock clock = new MutableClock();
        InboxReading<InboxStats> cache = patient(counted::stats, clock);

        InboxReading.Snapshot<InboxStats> first = cache.current();
        clock.advance(Duration.ofMillis(999));
        assertThat(cache.current()).isSameAs(first);
        assertThat(asked).hasValue(1);

        failure.set(new StoreUnavailableException("inbox could not count deliveries"));
        clock.advance(Duration.ofMillis(1));
        InboxReading.Snapshot<InboxStats> failed = cache.current();
        assertThat(failed.failure()).containsSame(failure.get());
        assertThat(cache.current()).isSameAs(failed);
        assertThat(asked).hasValue(2);

        failure.set(null);
        clock.advance(Duration.ofSeconds(1));
        assertThat(cache.current().value()).isPresent();
        assertThat(asked).hasValue(3);
    }

    @Test
    void theHealthRemembersAFailedReadingForASecondThenReadsAgainAndReadsAgainIfTheClockGoesBack() {
        AtomicInteger asked = new AtomicInteger();
        AtomicReference<RuntimeException> failure = new AtomicReference<>(
                new StoreUnavailableException("inbox could not find the oldest due delivery"));
        InboxStore store = (InboxStore) Proxy.newProxyInstance(InboxStore.class.getClassLoader(),
                new Class<?>[] {InboxStore.class}, (proxy, method, args) -> {
                    asked.incrementAndGet();
                    if (failure.get() != null) {
                        throw failure.get();
                    }
                    return Optional.empty();
                });
        MutableClock clock = new MutableClock();
        InboxHealth health = new InboxHealth(patient(store::oldestDue, clock), MAX_DUE_AGE);

        assertThat(health.check().status()).isEqualTo(InboxHealth.DOWN);
        failure.set(null);
        clock.advance(Duration.ofMillis(999));
        assertThat(health.check().status()).isEqualTo(InboxHealth.DOWN);
        assertThat(asked).hasValue(1);

        clock.advance(Duration.ofMillis(1));
        assertThat(health.check().status()).isEqualTo(InboxHealth.UP);
        clock.advance(Duration.ofMillis(-500));
        assertThat(health.check().status()).isEqualTo(InboxHealth.UP);
        assertThat(asked).hasValue(3);
    }

    // A database that never answers (frozen, or behind a network that drops packets) can hold a JDBC read for good
    // despite the query timeout: it holds the one reading thread, and every probe is answered DOWN within MAX_WAIT.
    @Test
    void aStoreThatNeverAnswersHoldsNoProbeLongerThanTheMaximumWaitAndIsReadByOneThreadAtATime() throws Exception {
        CountDownLatch answer = new CountDownLatch(1);
        AtomicInteger asked = new AtomicInteger();
        InboxHealth health = new InboxHealth(new InboxReading<>(() -> {
            asked.incrementAndGet();
            try {
                answer.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Optional.empty();
        }, Clock.systemUTC()), MAX_DUE_AGE);
        ExecutorService probes = Executors.newFixedThreadPool(3);
        try {
            List<Future<InboxHealth.Verdict>> waiting = List.of(probes.submit(health::check),
                    probes.submit(health::check), probes.submit(health::check));
            for (Future<InboxHealth.Verdict> probe : waiting) {
                InboxHealth.Verdict verdict = probe.get(InboxReading.MAX_WAIT.toSeconds() * 4, TimeUnit.SECONDS);
                assertThat(verdict.status()).isEqualTo(InboxHealth.DOWN);
                assertThat((String) verdict.details().get("error")).startsWith(StoreUnavailableException.class
                        .getName() + ": inbox store has not answered for ");
            }
            // Past the wait, a probe is answered at once, and still no second reading starts.
            assertThat(probes.submit(health::check).get(InboxReading.MAX_WAIT.toSeconds(), TimeUnit.SECONDS)
                    .status()).isEqualTo(InboxHealth.DOWN);
            assertThat(asked).hasValue(1);

            // Once it answers, its answer is the health (or, older than a second, that of the next reading).
            answer.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            InboxHealth.Verdict recovered = health.check();
            while (!recovered.status().equals(InboxHealth.UP) && System.nanoTime() < deadline) {
                Thread.onSpinWait();
                recovered = health.check();
            }
            assertThat(recovered.status()).isEqualTo(InboxHealth.UP);
            assertThat(asked.get()).isBetween(1, 2);
        } finally {
            answer.countDown();
            probes.shutdownNow();
        }
    }

    // A reading on a thread of its own, as the application's, whose caller waits up to a minute rather than MAX_WAIT:
    // these tests count readings by the test's clock, and a loaded machine that takes more than MAX_WAIT to start a
    // thread and read the store would turn a reading into a "has not answered" failure they are not about.
    private static <T> InboxReading<T> patient(Supplier<T> read, Clock clock) {
        return new InboxReading<>(read, clock, task -> {
            Thread thread = new Thread(task, "test-inbox-reading");
            thread.setDaemon(true);
            thread.start();
        }, Duration.ofMinutes(1));
    }

    private static InboxReading.Snapshot<Optional<Instant>> failed(RuntimeException failure) {
        return new InboxReading.Snapshot<>(NOW, Optional.empty(), Optional.of(failure));
    }

    // The store, counting stats() and failing it while `failure` holds an exception.
    private static InboxStore counting(InboxStore store, AtomicInteger asked, AtomicReference<RuntimeException> failure) {
        return (InboxStore) Proxy.newProxyInstance(InboxStore.class.getClassLoader(), new Class<?>[] {InboxStore.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("stats")) {
                        asked.incrementAndGet();
                        if (failure.get() != null) {
                            throw failure.get();
                        }
                    }
                    return method.invoke(store, args);
                });
    }

    private static final class MutableClock extends Clock {
        private Instant now = NOW;

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
