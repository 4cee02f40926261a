package ai.refold.webhooks;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.idempotency.ClaimResult;
import ai.refold.webhooks.idempotency.IdempotencyStore;
import ai.refold.webhooks.idempotency.InMemoryIdempotencyStore;
import ai.refold.webhooks.idempotency.StoreUnavailableException;
import ai.refold.webhooks.logcapture.CapturedEvent;
import ai.refold.webhooks.logcapture.LogCapture;
import ai.refold.webhooks.signature.WebhookSigner;
import ai.refold.webhooks.test.SamplePayloads;

import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

import java.time.Duration;
import java.time.Instant;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The warnings docs/guarantees-and-stores.md promises around claims, read through the capturing SLF4J provider: a
 * claim whose renewals the store does not answer, taken over by a copy after its lease, is logged by the instance
 * that finishes after the take-over; and building a receiver warns when its lease or retentions do not fit the
 * retry window. Time is a hand-moved clock; heartbeats are swept by the test.
 */
class ClaimWarningsLoggingTest {

    private static final String API_KEY = "claim-warnings-api-key-0123";
    private static final byte[] ERRORED = SamplePayloads.of(EventType.WORKFLOW_ERRORED);
    private static final String KEY = "workflow-errored:-:656f308b9144bb8f183bfc7b";

    private final HandClock clock = new HandClock(Instant.parse("2026-11-30T10:00:00Z"));
    private final AtomicBoolean renewalsFail = new AtomicBoolean();
    private final IdempotencyStore store = new RenewalsFailOnCue(
            InMemoryIdempotencyStore.builder().clock(clock).build(), renewalsFail);

    private static DeliveryRequest signed() {
        return DeliveryRequest.of("POST", Headers.of("x-cobalt-signature", WebhookSigner.of(API_KEY).sign(ERRORED)),
                ERRORED);
    }

    private static List<String> warnings(LogCapture capture) {
        return capture.events().stream().filter(event -> event.level() == Level.WARN).map(CapturedEvent::rendered)
                .toList();
    }

    @Test
    void aClaimTakenOverAfterItsUnansweredRenewalsIsLoggedByTheInstanceThatFinishesAfterTheTakeOver() {
        AtomicInteger runs = new AtomicInteger();
        List<DeliveryResult> copies = new ArrayList<>();
        WebhookReceiver[] instances = new WebhookReceiver[2];
        instances[0] = instance(runs, () -> {
            renewalsFail.set(true);
            for (int step = 0; step < 3; step++) {
                clock.advance(WebhookReceiver.DEFAULT_LEASE.dividedBy(2));
                instances[0].heartbeats().renewAll();
            }
            renewalsFail.set(false);
            copies.add(instances[1].receive(signed()));
        });
        instances[1] = instance(runs, () -> { });

        try (LogCapture capture = LogCapture.open()) {
            assertThat(instances[0].receive(signed()).outcome()).isEqualTo(Outcome.PROCESSED);

            assertThat(copies).extracting(DeliveryResult::outcome).containsExactly(Outcome.PROCESSED);
            assertThat(runs).hasValue(2);
            List<String> warnings = warnings(capture);
            assertThat(warnings).filteredOn(line -> line.contains("could not renew its claim")).hasSize(3)
                    .allMatch(line -> line.contains("key=" + KEY));
            assertThat(warnings).filteredOn(line -> line.contains("took over a claim whose lease ran out"))
                    .singleElement().asString().contains("key=" + KEY);
            assertThat(warnings).filteredOn(line -> line.contains("finished after another delivery took its claim"
                    + " over")).singleElement().asString().contains("key=" + KEY);
        }
    }

    @Test
    void aClaimWhoseLeaseRanOutUnrenewedButWasNotTakenOverIsCompletedWithoutAWarningOfATakeOver() {
        AtomicInteger runs = new AtomicInteger();
        WebhookReceiver[] instance = new WebhookReceiver[1];
        instance[0] = instance(runs, () -> {
            renewalsFail.set(true);
            for (int step = 0; step < 3; step++) {
                clock.advance(WebhookReceiver.DEFAULT_LEASE.dividedBy(2));
                instance[0].heartbeats().renewAll();
            }
            renewalsFail.set(false);
        });

        try (LogCapture capture = LogCapture.open()) {
            assertThat(instance[0].receive(signed()).outcome()).isEqualTo(Outcome.PROCESSED);
            assertThat(instance[0].receive(signed()).outcome()).isEqualTo(Outcome.DUPLICATE);

            assertThat(runs).hasValue(1);
            assertThat(warnings(capture)).noneMatch(line -> line.contains("took")).noneMatch(line -> line.contains(
                    "lost its claim"));
        }
    }

    @Test
    void buildingAReceiverWarnsWhenItsLeaseOrARetentionDoesNotFitTheRetryWindow() {
        try (LogCapture capture = LogCapture.open()) {
            WebhookReceiver.builder().signingKey("live", API_KEY).allowNoHandlers().build();
            assertThat(warnings(capture)).as("the defaults fit").noneMatch(line -> line.contains("retry window"));

            WebhookReceiver.builder().signingKey("live", API_KEY).allowNoHandlers().lease(Duration.ofSeconds(31))
                    .build();
            WebhookReceiver.builder().signingKey("live", API_KEY).allowNoHandlers()
                    .contentKeyRetention(Duration.ofSeconds(59)).build();

            List<String> warnings = warnings(capture);
            assertThat(warnings).hasSize(2);
            assertThat(warnings.get(0)).contains("lease PT31S is not well inside the retry window PT1M",
                    "may answer 409 to every retry");
            assertThat(warnings.get(1)).contains("content-key retention PT59S is shorter than the retry window PT1M",
                    "a late retry runs the event again");
        }
    }

    private WebhookReceiver instance(AtomicInteger runs, Runnable during) {
        return WebhookReceiver.builder().signingKey("live", API_KEY).idempotencyStore(store).clock(clock)
                .pause(clock::advance).manualHeartbeats()
                .on(WorkflowErrored.class, (event, context) -> {
                    runs.incrementAndGet();
                    during.run();
                })
                .build();
    }

    /** A store whose renewals throw while told to, as one behind a locked row or a stalled connection. */
    private static final class RenewalsFailOnCue implements IdempotencyStore {
        private final IdempotencyStore delegate;
        private final AtomicBoolean fail;

        RenewalsFailOnCue(IdempotencyStore delegate, AtomicBoolean fail) {
            this.delegate = delegate;
            this.fail = fail;
        }

        @Override
        public ClaimResult claim(String key, String owner, Duration lease) {
            return delegate.claim(key, owner, lease);
        }

        @Override
        public boolean renew(String key, String owner, Duration lease) {
            if (fail.get()) {
                throw new StoreUnavailableException("renewal not answered (injected)");
            }
            return delegate.renew(key, owner, lease);
        }

        @Override
        public boolean complete(String key, String owner, Duration retention) {
            return delegate.complete(key, owner, retention);
        }

        @Override
        public boolean release(String key, String owner) {
            return delegate.release(key, owner);
        }

        @Override
        public boolean release(String key, String owner, Set<String> doneHandlers, Duration retention) {
            return delegate.release(key, owner, doneHandlers, retention);
        }

        @Override
        public Set<String> doneHandlers(String key) {
            return delegate.doneHandlers(key);
        }

        @Override
        public Optional<Duration> leaseRemaining(String key) {
            return delegate.leaseRemaining(key);
        }
    }
}
