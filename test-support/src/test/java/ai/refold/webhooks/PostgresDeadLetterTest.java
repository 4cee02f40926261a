package ai.refold.webhooks;

import ai.refold.webhooks.event.WorkflowCompleted;
import ai.refold.webhooks.idempotency.InboxEntry;
import ai.refold.webhooks.idempotency.InboxQuery;
import ai.refold.webhooks.idempotency.InboxState;
import ai.refold.webhooks.idempotency.JdbcIdempotencyStore;
import ai.refold.webhooks.idempotency.JdbcInboxStore;
import ai.refold.webhooks.idempotency.RetryPolicy;
import ai.refold.webhooks.idempotency.SharedPostgres;
import ai.refold.webhooks.test.TestDeliveries;
import ai.refold.webhooks.test.hardening.HostileRequests;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import static ai.refold.webhooks.DeliveryContext.Attempt.FIRST;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dead-letter path of inbox mode on PostgreSQL, the production store, end to end: a delivery whose handler always
 * fails is acknowledged, tried as often as the retry policy allows, and dead; an operator lists it, fixes the
 * handler, and replays it; it then runs to success exactly once, and the handler that succeeded on the first attempt
 * is not run again.
 */
class PostgresDeadLetterTest {

    private static final String API_KEY = "rk_live_dead_letters_6c0e2b9f";
    private static final RetryPolicy THREE_QUICK_ATTEMPTS = new RetryPolicy(3, Duration.ofMillis(20),
            Duration.ofMillis(50));
    // Generous against a loaded machine: each attempt takes milliseconds.
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private final AtomicBoolean fixed = new AtomicBoolean();
    private final List<DeliveryContext.Attempt> failedRuns = new CopyOnWriteArrayList<>();
    private final List<DeliveryContext.Attempt> successfulRuns = new CopyOnWriteArrayList<>();
    private final List<DeliveryContext.Attempt> auditRuns = new CopyOnWriteArrayList<>();

    @Test
    void anAlwaysFailingDeliveryIsDeadAfterItsAttemptsIsListedAndOnceFixedAndReplayedRunsToSuccessExactlyOnce()
            throws Exception {
        try (SharedPostgres database = SharedPostgres.withFreshTable()) {
            JdbcInboxStore inbox = JdbcInboxStore.builder().dataSource(database.connect())
                    .tableName(database.tableName() + "_inbox").dialect(JdbcIdempotencyStore.Dialect.POSTGRESQL)
                    .createTableIfMissing(true).build();
            WebhookReceiver receiver = WebhookReceiver.builder()
                    .signingKey("live", API_KEY)
                    .inbox(inbox, InboxOptions.defaults().withRetries(THREE_QUICK_ATTEMPTS)
                            .withPollInterval(Duration.ofMillis(20)))
                    .on(WorkflowCompleted.class, (event, context) -> auditRuns.add(context.attempt()))
                    .on(WorkflowCompleted.class, (event, context) -> {
                        if (!fixed.get()) {
                            failedRuns.add(context.attempt());
                            throw new IllegalStateException("the CRM refuses " + event.instanceId() + " for key "
                                    + API_KEY);
                        }
                        successfulRuns.add(context.attempt());
                    })
                    .build();
            try {
                DeliveryRequest delivery = TestDeliveries.withKey(API_KEY).of(HostileRequests.workflow("dead-1"));
                DeliveryResult answer = receiver.receive(delivery);
                String key = answer.idempotencyKey().orElseThrow();
                assertThat(answer.outcome()).isEqualTo(Outcome.ACCEPTED);

                await(() -> state(inbox, key) == InboxState.DEAD);
                InboxEntry dead = inbox.find(key).orElseThrow();
                assertThat(dead.attempts()).isEqualTo(THREE_QUICK_ATTEMPTS.maxAttempts());
                assertThat(dead.doneHandlers()).as("the audit handler's success").hasSize(1);
                assertThat(failedRuns).containsExactly(FIRST, FIRST, FIRST);
                assertThat(dead.lastError()).hasValueSatisfying(error -> assertThat(error)
                        .startsWith("java.lang.IllegalStateException: the CRM refuses dead-1").doesNotContain(API_KEY));
                assertThat(inbox.list(InboxQuery.deadLetters().withEventType("Workflow Completed")))
                        .extracting(InboxEntry::key).containsExactly(key);
                assertThat(receiver.receive(delivery).outcome()).as("a copy of a dead letter")
                        .isEqualTo(Outcome.DUPLICATE);

                fixed.set(true);
                assertThat(inbox.replay(InboxQuery.deadLetters().withEventType("Workflow Completed"))).isEqualTo(1);
                await(() -> state(inbox, key) == InboxState.DONE);
                // Time for a second run, were one to come: the workers look every 20 ms.
                TimeUnit.MILLISECONDS.sleep(200);

                assertThat(successfulRuns).containsExactly(FIRST);
                assertThat(failedRuns).hasSize(3);
                assertThat(auditRuns).as("succeeded on the first attempt, run by no later one").containsExactly(FIRST);
                assertThat(inbox.list(InboxQuery.deadLetters())).isEmpty();
                assertThat(inbox.replay(InboxQuery.deadLetters())).isZero();
            } finally {
                receiver.close();
            }
        }
    }

    private static InboxState state(JdbcInboxStore inbox, String key) {
        return inbox.find(key).map(InboxEntry::state).orElse(null);
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("waited %s for the inbox's workers", PATIENCE).isNegative();
            TimeUnit.MILLISECONDS.sleep(10);
        }
    }
}
