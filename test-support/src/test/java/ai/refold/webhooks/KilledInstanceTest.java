package ai.refold.webhooks;

import ai.refold.webhooks.event.WorkflowCompleted;
import ai.refold.webhooks.idempotency.InstanceConnections;
import ai.refold.webhooks.idempotency.SharedPostgres;
import ai.refold.webhooks.test.TestDeliveries;
import ai.refold.webhooks.test.hardening.HostileRequests;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static ai.refold.webhooks.DeliveryContext.Attempt.RERUN;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * An instance killed in the middle of a handler, for real: a receiver in a child JVM on the shared PostgreSQL
 * database claims the event and is killed with SIGKILL while its handler runs, so that nothing of it (no release,
 * no completion, no heartbeat) reaches the database again. Refold then retries on the other instance, in this JVM,
 * with its backoff; the dead instance's claim holds for the rest of its lease and is then taken over as a rerun.
 */
class KilledInstanceTest {

    private static final String API_KEY = "rk_live_killed_3e7a90c5d1f8";
    private static final String EVENT = "killed-mid-handler";
    // When Refold's retries reach the other instance, after the first attempt failed: 1 s, then 3 s and 7 s later.
    private static final List<Duration> RETRIES = List.of(Duration.ofSeconds(1), Duration.ofSeconds(4),
            Duration.ofSeconds(11));
    // Generous against a loaded machine: a JVM starts and claims in a few seconds.
    private static final long PATIENCE_SECONDS = 60;

    @Test
    void anInstanceKilledMidHandlerLeavesItsClaimForTheLeaseAndRefoldsThirdRetryRerunsTheEvent() throws Exception {
        HandlerRuns runs = new HandlerRuns();
        try (SharedPostgres database = SharedPostgres.withFreshTable()) {
            InstanceConnections connections = database.connect();
            WebhookReceiver other = WebhookReceiver.builder()
                    .signingKey("live", API_KEY)
                    .idempotencyStore(connections.store())
                    .on(WorkflowCompleted.class, runs.counting((event, context) -> { }))
                    .build();
            DeliveryRequest delivery = TestDeliveries.withKey(API_KEY).of(HostileRequests.workflow(EVENT));
            Path errors = Files.createTempFile("receiver-process-", ".log");
            Process child = start(database, errors);
            try {
                BlockingQueue<String> lines = lines(child);
                String report = lines.poll(PATIENCE_SECONDS, TimeUnit.SECONDS);
                assertThat(report).as("the child's report; its errors: %s", Files.readString(errors))
                        .isEqualTo(ReceiverProcess.HANDLER_STARTED + " FIRST");
                child.destroyForcibly();
                assertThat(child.waitFor(PATIENCE_SECONDS, TimeUnit.SECONDS)).as("the child died").isTrue();
                // A renewal the child sent just before the kill can still be run by its database session after the
                // death (the server reads the statement from its socket before it finds the client gone), and
                // would move the lease past the third retry on a slow machine: the retries are timed from when the
                // session is gone, so that no renewal of the child's can land after that moment.
                awaitSessionGone(connections, applicationName(database));
                // Refold's first attempt failed as the child died (its connection reset): retries are timed from
                // here. The claim's lease, 10 s from the claim or its last renewal, both before this moment, has
                // run out by the third retry at 11 s whatever the machine's load. The child died moments after
                // claiming, before or soon after its first renewal (a third of the lease in): the claim holds at
                // 4 s unless the kill and this wait took over 6 s since the claim or its last renewal.
                long firstAttempt = System.nanoTime();

                List<DeliveryResult> answers = new ArrayList<>();
                String leftAtFirstRetry = "?";
                for (Duration retry : RETRIES) {
                    sleepUntil(firstAttempt + retry.toNanos());
                    DeliveryResult answer = other.receive(delivery);
                    answers.add(answer);
                    if (answers.size() == 1) { // for the failure message: what the lease held at the first retry
                        leftAtFirstRetry = answer.idempotencyKey().flatMap(connections.store()::leaseRemaining)
                                .map(Duration::toString).orElse("?");
                    }
                    if (answer.outcome() == Outcome.PROCESSED) {
                        break;
                    }
                }

                assertThat(answers).extracting(DeliveryResult::outcome)
                        .as("the answers at %s after the first attempt; the lease had %s left at the first",
                                RETRIES, leftAtFirstRetry)
                        .containsExactly(Outcome.IN_PROGRESS, Outcome.IN_PROGRESS, Outcome.PROCESSED);
                long firstWait = retryAfter(answers.get(0));
                long secondWait = retryAfter(answers.get(1));
                assertThat(firstWait).isBetween(1L, WebhookReceiver.DEFAULT_LEASE.toSeconds());
                assertThat(secondWait).isBetween(1L, firstWait);
                assertThat(runs.attemptsOf(EVENT)).as("runs in this JVM, besides the killed one").containsExactly(RERUN);
                assertThat(other.receive(delivery).outcome()).isEqualTo(Outcome.DUPLICATE);
                assertThat(runs.of(EVENT)).isEqualTo(1);
            } finally {
                child.destroyForcibly();
                child.waitFor(PATIENCE_SECONDS, TimeUnit.SECONDS);
                other.close();
                Files.deleteIfExists(errors);
            }
        }
    }

    private static Process start(SharedPostgres database, Path errors) throws IOException {
        return ChildJvm.start(ReceiverProcess.class, List.of(), List.of(
                database.jdbcUrl() + "?ApplicationName=" + applicationName(database), database.user(), "",
                database.tableName(), API_KEY, EVENT), errors);
    }

    // The name the child's database sessions go by, so that the test can see when they are gone.
    private static String applicationName(SharedPostgres database) {
        return "killed-" + database.tableName();
    }

    private static void awaitSessionGone(InstanceConnections connections, String applicationName) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PATIENCE_SECONDS);
        try (Connection connection = connections.getConnection();
             PreparedStatement sessions = connection.prepareStatement(
                     "SELECT count(*) FROM pg_stat_activity WHERE application_name = ?")) {
            sessions.setString(1, applicationName);
            while (true) {
                try (ResultSet count = sessions.executeQuery()) {
                    count.next();
                    if (count.getInt(1) == 0) {
                        return;
                    }
                }
                assertThat(System.nanoTime() - deadline).as("the killed child's database session ended").isNegative();
                TimeUnit.MILLISECONDS.sleep(10);
            }
        }
    }

    private static BlockingQueue<String> lines(Process child) {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        ChildJvm.readLines(child, "receiver-process-output", lines::add);
        return lines;
    }

    private static long retryAfter(DeliveryResult answer) {
        return Optional.ofNullable(answer.responseHeaders().get("Retry-After")).map(Long::parseLong).orElseThrow();
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long wait = nanoTime - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }
}
