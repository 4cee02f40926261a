package ai.refold.webhooks;

import ai.refold.webhooks.idempotency.InMemoryInboxStore;
import ai.refold.webhooks.idempotency.InboxEntry;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The lease of an entry a worker runs: a renewal the store refuses while the handlers run means another worker took
 * the entry over; one refused while the outcome is being recorded most likely came just after the record.
 */
class InboxRunTest {

    private static final Duration LEASE = Duration.ofSeconds(10);

    private final MutableClock clock = MutableClock.at("2026-11-30T10:00:00Z");
    private final InMemoryInboxStore store = InMemoryInboxStore.builder().clock(clock).build();
    private final DeliveryLog log = new DeliveryLog(List.of());

    private InboxRun taken(String owner) {
        store.offer(InboxEntry.received("k", Optional.empty(), "live", Map.of(),
                "{}".getBytes(StandardCharsets.UTF_8), clock.instant()));
        assertThat(store.take(owner, 1, LEASE)).hasSize(1);
        InboxRun run = new InboxRun(store, "k", owner, LEASE, 0, log);
        run.started(); // as a worker marks it when its handlers start
        return run;
    }

    @Test
    void aRenewalRefusedWhileTheHandlersRunMeansTheLeaseWasLost() {
        InboxRun run = taken("slow-worker");
        clock.advance(LEASE.plusSeconds(1));
        assertThat(store.take("other-worker", 1, LEASE)).hasSize(1);

        run.renew();

        assertThat(run.isLost()).isTrue();
    }

    @Test
    void aRenewalRefusedJustAfterTheOutcomeWasRecordedIsNotALostLease() {
        InboxRun run = taken("worker");
        run.recording();
        assertThat(store.done("k", "worker", Duration.ofDays(7))).isTrue();

        run.renew(); // a heartbeat sweep between the record and the end of the run

        assertThat(run.isLost()).isFalse();
    }

    // A delivery handed over (stored taken) that no worker started within a lease is given back, due at once: left to
    // its lease, another instance would take it as a crashed worker's, count an attempt and tell its handlers RERUN.
    @Test
    void aHandoffNoWorkerStartedWithinALeaseIsGivenBackUncountedAndNoWorkerStartsItAfter() {
        store.offerTaken(InboxEntry.received("k", Optional.empty(), "live", Map.of(),
                "{}".getBytes(StandardCharsets.UTF_8), clock.instant()), "busy-instance", LEASE);
        InboxRun handoff = new InboxRun(store, "k", "busy-instance", LEASE,
                System.nanoTime() - LEASE.toNanos() - 1, log);

        handoff.renew(); // the first sweep past a lease of waiting

        assertThat(handoff.isLost()).isTrue();
        assertThat(handoff.started()).as("a worker freed now must not run it").isFalse();
        InboxEntry taken = store.take("other-instance", 1, LEASE).get(0);
        assertThat(taken.attempts()).isZero();
        assertThat(taken.rerun()).isFalse();
    }

    @Test
    void aHandoffAWorkerStartedIsNeverGivenBack() {
        store.offerTaken(InboxEntry.received("k", Optional.empty(), "live", Map.of(),
                "{}".getBytes(StandardCharsets.UTF_8), clock.instant()), "instance", LEASE);
        InboxRun handoff = new InboxRun(store, "k", "instance", LEASE, System.nanoTime() - LEASE.toNanos() - 1, log);
        assertThat(handoff.started()).isTrue();

        handoff.renew();

        assertThat(handoff.isLost()).isFalse();
        assertThat(store.take("other-instance", 1, LEASE)).as("still held, renewed").isEmpty();
    }
}
