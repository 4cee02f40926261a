package ai.refold.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import ai.refold.webhooks.event.ConnectionCreated;
import ai.refold.webhooks.event.ConnectionDeleted;
import ai.refold.webhooks.event.WorkflowCompleted;
import ai.refold.webhooks.idempotency.InMemoryInboxStore;
import ai.refold.webhooks.idempotency.InboxEntry;
import ai.refold.webhooks.idempotency.InboxQuery;
import ai.refold.webhooks.idempotency.InboxState;
import ai.refold.webhooks.idempotency.RetryPolicy;
import ai.refold.webhooks.signature.WebhookSigner;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Inbox mode with {@link InboxOptions#withOrderPerLinkedAccount}: a linked account's deliveries run one at a time in
 * the order they were received, a later one waiting through every retry of an earlier one and freed when that one is
 * dead; other accounts' deliveries, and deliveries naming no account, run meanwhile. Without the option, a Connection
 * Deleted runs while its account's Connection Created waits for a retry. The store's clock (also the receiver's) moves
 * by hand; workers are real threads, so the tests wait for what they do with a generous bound.
 */
class InboxOrderTest {

    private static final String API_KEY = "inbox-order-api-key-0123456789";
    // Retries due within 4 s of the store's clock, which only the test moves; a wait drawn as 0 is due at once, so a
    // failing handler may run again any time, and the tests never count on its retries' timing.
    private static final RetryPolicy MANY_QUICK_RETRIES = new RetryPolicy(20, Duration.ofSeconds(1),
            Duration.ofSeconds(4));
    private static final Duration PAST_ANY_RETRY = Duration.ofSeconds(5);

    private final MutableClock clock = MutableClock.at("2026-11-30T10:00:00Z");
    private final InMemoryInboxStore inbox = InMemoryInboxStore.builder().clock(clock).build();
    // What the handlers did, in the order they did it: "created <account> failed", "created <account>", ...
    private final List<String> runs = new CopyOnWriteArrayList<>();
    // Accounts whose Connection Created fails while they are here.
    private final Set<String> down = ConcurrentHashMap.newKeySet();
    private WebhookReceiver receiver;

    @AfterEach
    void closeReceiver() {
        if (receiver != null) {
            receiver.close(Duration.ofSeconds(5));
        }
    }

    @Test
    void aConnectionDeletedWaitsThroughEveryRetryOfItsAccountsConnectionCreatedWhileOtherAccountsRun()
            throws Exception {
        receiver(true, MANY_QUICK_RETRIES);
        down.add("acct-1");

        deliver(created("acct-1"));
        await(() -> runs.contains("created acct-1 failed"));
        deliver(deleted("acct-1"));
        deliver(created("acct-2"));
        deliver(deleted("acct-2"));
        deliver(completed("no account"));
        await(() -> runs.containsAll(List.of("created acct-2", "deleted acct-2", "completed")));

        // Taken, it would have been taken before acct-2's deliveries (it was due first), which are done.
        InboxEntry waiting = entry(deleted("acct-1"));
        assertThat(waiting.state()).isEqualTo(InboxState.PENDING);
        assertThat(waiting.attempts()).isZero();
        assertThat(runs).doesNotContain("deleted acct-1");

        down.remove("acct-1");
        awaitAdvancingTheClock(() -> runs.contains("deleted acct-1"));

        List<String> account = runs.stream().filter(run -> run.contains("acct-1")).toList();
        assertThat(account.subList(0, account.size() - 2)).isNotEmpty().containsOnly("created acct-1 failed");
        assertThat(account.subList(account.size() - 2, account.size()))
                .containsExactly("created acct-1", "deleted acct-1");
        await(() -> inbox.list(InboxQuery.in(InboxState.DONE)).size() == 5);
    }

    @Test
    void aConnectionCreatedThatEndsDeadNoLongerHoldsItsAccountsLaterDeliveriesBack() throws Exception {
        receiver(true, new RetryPolicy(2, Duration.ofSeconds(1), Duration.ofSeconds(4)));
        down.add("acct-1");

        deliver(created("acct-1"));
        await(() -> runs.contains("created acct-1 failed"));
        deliver(deleted("acct-1"));
        awaitAdvancingTheClock(() -> runs.contains("deleted acct-1"));

        assertThat(runs).containsExactly("created acct-1 failed", "created acct-1 failed", "deleted acct-1");
        assertThat(entry(created("acct-1")).state()).isEqualTo(InboxState.DEAD);
    }

    @Test
    void withoutTheOrderAConnectionDeletedRunsWhileItsAccountsConnectionCreatedWaitsForARetry() throws Exception {
        receiver(false, MANY_QUICK_RETRIES);
        down.add("acct-1");

        deliver(created("acct-1"));
        await(() -> runs.contains("created acct-1 failed"));
        deliver(deleted("acct-1"));
        await(() -> runs.contains("deleted acct-1"));

        assertThat(runs).doesNotContain("created acct-1").contains("created acct-1 failed");
        assertThat(entry(created("acct-1")).state()).isEqualTo(InboxState.PENDING);
    }

    @Test
    void anOrderedDeliveryIsStoredDueWithItsAccountAsOrderingKeyAndOneNamingNoAccountIsNot() throws Exception {
        receiver(true, MANY_QUICK_RETRIES);

        deliver(created("acct-1"));
        deliver(completed("no account"));
        await(() -> inbox.list(InboxQuery.in(InboxState.DONE)).size() == 2);

        assertThat(entry(created("acct-1")).orderingKey()).contains("acct-1");
        assertThat(entry(completed("no account")).orderingKey()).isEmpty();
    }

    private void receiver(boolean ordered, RetryPolicy retries) {
        receiver = WebhookReceiver.builder().signingKey("live", API_KEY).clock(clock).manualHeartbeats()
                .inbox(inbox, InboxOptions.defaults().withWorkers(4).withRetries(retries)
                        .withPollInterval(Duration.ofMillis(20)).withOrderPerLinkedAccount(ordered))
                .on(ConnectionCreated.class, (event, context) -> {
                    String account = event.linkedAccountId();
                    if (down.contains(account)) {
                        runs.add("created " + account + " failed");
                        throw new IllegalStateException("downstream is down");
                    }
                    runs.add("created " + account);
                })
                .on(ConnectionDeleted.class, (event, context) -> runs.add("deleted " + event.linkedAccountId()))
                .on(WorkflowCompleted.class, (event, context) -> runs.add("completed"))
                .build();
    }

    // Delivers a body, a millisecond after the last one, so that each has its own receive time.
    private void deliver(byte[] body) {
        clock.advance(Duration.ofMillis(1));
        DeliveryResult result = receiver.receive(DeliveryRequest.of("POST", Headers.builder()
                .add("x-cobalt-signature", WebhookSigner.of(API_KEY).sign(body)).build(), body));
        assertThat(result.outcome()).isEqualTo(Outcome.ACCEPTED);
    }

    // The stored entry of a delivered body.
    private InboxEntry entry(byte[] body) {
        return inbox.list(InboxQuery.in(InboxState.PENDING, InboxState.PROCESSING, InboxState.DONE, InboxState.DEAD))
                .stream().filter(entry -> Arrays.equals(entry.body(), body)).findFirst().orElseThrow();
    }

    private static byte[] created(String account) {
        return connection("Connection Created", account);
    }

    private static byte[] deleted(String account) {
        return connection("Connection Deleted", account);
    }

    private static byte[] connection(String event, String account) {
        return ("{\"linked_account_id\":\"" + account + "\",\"org_id\":\"645270e37917442c4307297a\","
                + "\"environment\":\"test\",\"type\":\"General\",\"event\":\"" + event + "\",\"slug\":\"hubspot\","
                + "\"createdAt\":\"Tue, 07 Nov 2023 08:03:27 GMT\"}").getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] completed(String name) {
        return ("{\"instance_id\":\"656f30f69144bb8f183c0118\",\"workflow_id\":\"6495792b9b6ca6d77a17e513\","
                + "\"event\":\"Workflow Completed\",\"workflow_name\":\"" + name + "\",\"status\":\"COMPLETED\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    // Moves the clock past any retry's wait, again and again, until the condition holds; never while a delivery is
    // taken, so that no run outlasts its lease (30 s, six moves) by the clock, however slowly it runs.
    private void awaitAdvancingTheClock(BooleanSupplier condition) throws InterruptedException {
        await(() -> {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (inbox.list(InboxQuery.in(InboxState.PROCESSING)).isEmpty()) {
                clock.advance(PAST_ANY_RETRY);
            }
            return false;
        });
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("waited 20 s for the inbox's workers").isNegative();
            Thread.sleep(5);
        }
    }
}
