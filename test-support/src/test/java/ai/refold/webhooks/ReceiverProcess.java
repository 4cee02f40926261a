package ai.refold.webhooks;

import ai.refold.webhooks.event.WorkflowCompleted;
import ai.refold.webhooks.idempotency.JdbcIdempotencyStore;
import ai.refold.webhooks.test.TestDeliveries;
import ai.refold.webhooks.test.hardening.HostileRequests;

import org.postgresql.ds.PGSimpleDataSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;

/**
 * A receiver instance in a process of its own, for a test that kills it: it receives one delivery of a
 * {@code Workflow Completed} event, claims it in a shared PostgreSQL table and blocks in its handler, after printing
 * {@link #HANDLER_STARTED} and the attempt on a line of its own. Its real heartbeats renew the claim until the
 * process dies.
 *
 * <p>Arguments: JDBC URL, user, password, table, API key, the event's instance id. It halts when its standard input
 * closes ({@link #exitWithParent}), so that it never outlives a test JVM that died before it could kill it.
 */
final class ReceiverProcess {

    static final String HANDLER_STARTED = "handler started";

    /** The line a parent writes to a child's standard input to have it shut down gracefully and exit. */
    static final String STOP = "stop";

    private ReceiverProcess() {
    }

    public static void main(String[] args) throws Exception {
        exitWithParent(() -> { });

        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setUrl(args[0]);
        dataSource.setUser(args[1]);
        dataSource.setPassword(args[2]);
        WebhookReceiver receiver = WebhookReceiver.builder()
                .signingKey("live", args[4])
                .idempotencyStore(JdbcIdempotencyStore.builder().dataSource(dataSource).tableName(args[3])
                        .dialect(JdbcIdempotencyStore.Dialect.POSTGRESQL).build())
                .on(WorkflowCompleted.class, (event, context) -> {
                    System.out.println(HANDLER_STARTED + " " + context.attempt());
                    System.out.flush();
                    new CountDownLatch(1).await(); // until the test kills this process
                })
                .build();
        DeliveryResult result = receiver.receive(TestDeliveries.withKey(args[4]).of(HostileRequests.workflow(args[5])));
        // Reached only if the handler was never started, for example because the claim failed.
        System.out.println("answered " + result.outcome() + " without starting the handler: " + result.message());
        System.exit(2);
    }

    /**
     * Makes this child process end with its parent: it halts when its standard input closes (the parent is gone,
     * or died before it could kill the child), and on a line {@code stop} it runs {@code onStop} and exits.
     */
    static void exitWithParent(Runnable onStop) {
        Thread guard = new Thread(() -> {
            try (BufferedReader commands = new BufferedReader(new InputStreamReader(System.in,
                    StandardCharsets.UTF_8))) {
                for (String line = commands.readLine(); line != null; line = commands.readLine()) {
                    if (line.equals(STOP)) {
                        onStop.run();
                        System.exit(0);
                    }
                }
            } catch (IOException e) {
                // the pipe broke: the parent is gone too
            }
            Runtime.getRuntime().halt(3);
        }, "orphan-guard");
        guard.setDaemon(true);
        guard.start();
    }
}
