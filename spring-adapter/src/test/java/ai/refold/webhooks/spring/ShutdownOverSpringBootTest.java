package ai.refold.webhooks.spring;

import ai.refold.webhooks.Outcome;
import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.ConnectionCreated;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.WorkflowCompleted;
import ai.refold.webhooks.idempotency.InboxState;
import ai.refold.webhooks.idempotency.InboxStore;
import ai.refold.webhooks.spring.autoconfigure.RefoldWebhookMetrics;
import ai.refold.webhooks.spring.inbox.Workflows;
import ai.refold.webhooks.test.SamplePayloads;
import ai.refold.webhooks.test.TestDeliveries;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an application's shutdown does to deliveries, end to end: Spring Boot started and closed in the test, on its
 * embedded Tomcat with its graceful shutdown (the default), the starter as an application gets it.
 */
@ExtendWith(OutputCaptureExtension.class)
class ShutdownOverSpringBootTest {

    private static final String KEY = "shutdown-test-api-key";
    private static final AtomicInteger PROBES = new AtomicInteger();

    private final List<ConfigurableApplicationContext> contexts = new ArrayList<>();
    private final Set<Thread> threadsBefore = new HashSet<>(Thread.getAllStackTraces().keySet());
    private BlockingHandlers handlers;

    @AfterEach
    void closeEverything() {
        if (handlers != null) {
            handlers.release.countDown();
        }
        contexts.forEach(ConfigurableApplicationContext::close);
    }

    @Test
    void aSynchronousDeliveryRunningAtCloseIsAnswered200AndNewDeliveriesAre503Meanwhile()
            throws Exception {
        // Boot gives the web server's graceful shutdown a phase of 1 s; the receiver's own timeout is much longer.
        ConfigurableApplicationContext context = start("spring.lifecycle.timeout-per-shutdown-phase=1s",
                "refold.webhooks.shutdown-timeout=60s");
        Http http = new Http(port(context));
        CompletableFuture<HttpResponse<String>> inFlight = CompletableFuture.supplyAsync(
                () -> http.deliver(workflow("a11a11a11a11a11a11a11a11"), KEY));
        assertThat(handlers.started.tryAcquire(30, TimeUnit.SECONDS)).isTrue();

        Thread closer = new Thread(context::close, "closer");
        closer.start();
        HttpResponse<String> meanwhile = probeUntilRefused(context);

        assertThat(meanwhile.statusCode()).isEqualTo(503);
        assertThat(meanwhile.body()).contains("shutting down");
        Thread.sleep(2_000); // past Boot's 1 s phase: the receiver's own timeout is what the close waits for
        assertThat(closer.isAlive()).isTrue();
        handlers.release.countDown();
        HttpResponse<String> answered = inFlight.get(30, TimeUnit.SECONDS);
        closer.join(60_000);
        assertThat(closer.isAlive()).isFalse();
        assertThat(answered.statusCode()).isEqualTo(200);
        assertThat(handlers.finished).containsExactly("a11a11a11a11a11a11a11a11");
        assertThat(handlers.interrupted).isEmpty();
    }

    @Test
    void aSynchronousHandlerStillRunningAfterTheShutdownTimeoutAndBootsPhaseIsInterruptedWhenTheWebServerStops()
            throws Exception {
        ConfigurableApplicationContext context = start("spring.lifecycle.timeout-per-shutdown-phase=1s",
                "refold.webhooks.shutdown-timeout=1s");
        Http http = new Http(port(context));
        CompletableFuture.runAsync(() -> http.deliver(workflow("b22b22b22b22b22b22b22b22"), KEY));
        assertThat(handlers.started.tryAcquire(30, TimeUnit.SECONDS)).isTrue();

        context.close();

        assertThat(handlers.done.tryAcquire(30, TimeUnit.SECONDS)).as("the handler ended").isTrue();
        assertThat(handlers.interrupted).containsExactly("b22b22b22b22b22b22b22b22");
        assertThat(handlers.finished).isEmpty();
    }

    @Test
    void acknowledgeFastWorkQueuedAndRunningAtCloseRunsWithinTheShutdownTimeout(CapturedOutput output)
            throws Exception {
        ConfigurableApplicationContext context = start("refold.webhooks.acknowledge-fast=true",
                "refold.webhooks.shutdown-timeout=60s");
        int threads = context.getBean("refoldWebhookExecutor", ThreadPoolTaskExecutor.class).getCorePoolSize();
        List<String> ids = deliverWorkflows(context, threads + 2);
        assertThat(handlers.started.tryAcquire(threads, 30, TimeUnit.SECONDS)).isTrue();

        Thread closer = new Thread(context::close, "closer");
        closer.start();
        assertThat(probeUntilRefused(context).statusCode()).isEqualTo(503);
        handlers.release.countDown();
        closer.join(60_000);

        assertThat(closer.isAlive()).isFalse();
        assertThat(handlers.finished).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(handlers.interrupted).isEmpty();
        assertThat(output.getOut()).doesNotContain("not yet handled at shutdown");
    }

    @Test
    void acknowledgeFastWorkPastTheTimeoutIsReleasedWithAWarnAndWhatRunsIsLeftToFinishUninterrupted(
            CapturedOutput output) throws Exception {
        ConfigurableApplicationContext context = start("refold.webhooks.acknowledge-fast=true",
                "refold.webhooks.shutdown-timeout=1s");
        int threads = context.getBean("refoldWebhookExecutor", ThreadPoolTaskExecutor.class).getCorePoolSize();
        List<String> ids = deliverWorkflows(context, threads + 2);
        assertThat(handlers.started.tryAcquire(threads, 30, TimeUnit.SECONDS)).isTrue();

        context.close();

        for (String id : ids.subList(threads, ids.size())) {
            assertThat(output.getOut()).contains("key=workflow-completed:-:" + id
                    + " was accepted but not yet handled at shutdown");
        }
        for (String id : ids.subList(0, threads)) {
            assertThat(output.getOut()).contains("key=workflow-completed:-:" + id
                    + " was still running its handlers at shutdown");
        }
        // The receiver waited its timeout: nothing waits a second one for the same handlers.
        assertThat(output.getOut()).doesNotContain("Timed out while waiting for executor");
        handlers.release.countDown();
        assertThat(handlers.done.tryAcquire(threads, 30, TimeUnit.SECONDS)).isTrue();
        assertThat(handlers.finished).containsExactlyInAnyOrderElementsOf(ids.subList(0, threads));
        assertThat(handlers.interrupted).isEmpty();
    }

    @Test
    void inAnInboxInMemoryARunInFlightAndAStoredDeliveryBothRunAtCloseAndNewOnesAre503() throws Exception {
        ConfigurableApplicationContext context = start("refold.webhooks.inbox.enabled=true",
                "refold.webhooks.inbox.store=memory", "refold.webhooks.inbox.workers=1",
                "refold.webhooks.shutdown-timeout=60s");
        List<String> ids = deliverWorkflows(context, 3);
        assertThat(handlers.started.tryAcquire(1, 30, TimeUnit.SECONDS)).isTrue();

        Thread closer = new Thread(context::close, "closer");
        closer.start();
        HttpResponse<String> meanwhile = probeUntilRefused(context);
        handlers.release.countDown();
        closer.join(60_000);

        assertThat(closer.isAlive()).isFalse();
        assertThat(meanwhile.statusCode()).isEqualTo(503);
        assertThat(meanwhile.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(handlers.finished).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(handlers.interrupted).isEmpty();
    }

    @Test
    void noThreadOfTheStarterOutlivesItsContextAndASecondContextInTheSameJvmStartsAfresh() throws Exception {
        for (String mode : List.of("acknowledge-fast", "jdbc", "inbox")) {
            double firstCount = -1;
            for (int round = 1; round <= 2; round++) {
                ConfigurableApplicationContext context = start(mode);
                handlers.release.countDown();
                List<String> ids = deliverWorkflows(context, 2);
                assertThat(handlers.done.tryAcquire(2, 30, TimeUnit.SECONDS)).isTrue();
                MeterRegistry meters = context.getBean(MeterRegistry.class);
                assertThat(handlers.finished).as(mode + ", context " + round).containsExactlyInAnyOrderElementsOf(ids);
                context.close();

                // Each context counts its own deliveries: the second counts as many as the first, not both.
                double counted = meters.find(RefoldWebhookMetrics.DELIVERIES).counters().stream()
                        .mapToDouble(counter -> counter.count()).sum();
                assertThat(counted).isPositive();
                if (round == 1) {
                    firstCount = counted;
                } else {
                    assertThat(counted).isEqualTo(firstCount);
                }
                assertThat(starterThreadsLeft()).as(mode + ", context " + round).isEmpty();
            }
        }
    }

    @Test
    void aContextStoppedAndStartedAgainStillRunsDeliveries() throws Exception {
        ConfigurableApplicationContext context = start();
        handlers.release.countDown();

        context.stop();
        context.start();

        HttpResponse<String> response = new Http(port(context)).deliver(workflow("5705705705705705705705a0"), KEY);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(handlers.finished).containsExactly("5705705705705705705705a0");
    }

    // Spring's stop() is a pause, to be followed by start() (a checkpoint and its restore, say): the inbox workers
    // finish what they run within the shutdown timeout and take nothing new, what was handed to them unstarted goes
    // back to the store, and start() resumes them. Spring's executor stopping after the receiver waits for its
    // running tasks: with the workers' loops left running, stop() would wait out the phase's timeout.
    @Test
    void aContextStoppedPausesTheInboxWorkersAfterTheirRunInFlightAndStartedResumesThem() throws Exception {
        ConfigurableApplicationContext context = start("inbox", "refold.webhooks.inbox.workers=1",
                "refold.webhooks.shutdown-timeout=60s", "spring.lifecycle.timeout-per-shutdown-phase=5s");
        List<String> ids = deliverWorkflows(context, 2); // the first runs, the second waits for the only worker
        assertThat(handlers.started.tryAcquire(1, 30, TimeUnit.SECONDS)).isTrue();

        Thread stopper = new Thread(context::stop, "stopper");
        stopper.start();
        // Released once the receiver waits for the worker's run (or stop() returned, or 10 s passed: not paused).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (stopper.isAlive() && !waitsForInboxWorkers(stopper) && System.nanoTime() < deadline) {
            stopper.join(5);
        }
        handlers.release.countDown();
        stopper.join(60_000);

        assertThat(stopper.isAlive()).isFalse();
        assertThat(handlers.finished).as("run in flight finished, the one handed over given back")
                .containsExactly(ids.get(0));
        assertThat(context.getBean(InboxStore.class).stats().count(InboxState.PENDING)).isOne();
        assertThat(handlers.interrupted).isEmpty();

        context.start();

        assertThat(handlers.done.tryAcquire(2, 30, TimeUnit.SECONDS)).isTrue();
        List<String> after = deliverWorkflows(context, 1);
        assertThat(handlers.done.tryAcquire(1, 30, TimeUnit.SECONDS)).isTrue();
        assertThat(handlers.finished).containsExactly(ids.get(0), ids.get(1), after.get(0));
    }

    // Spring's stop() pauses the inbox workers and their executor; a close without a start then comes to a store that
    // loses what it holds with the process: it runs first what arrived while stopped, as a close without a stop does.
    @Test
    void aContextStoppedThenClosedRunsWhatItsInMemoryInboxReceivedWhileStopped() {
        ConfigurableApplicationContext context = start("inbox", "refold.webhooks.inbox.workers=1",
                "refold.webhooks.shutdown-timeout=30s");
        handlers.release.countDown();
        context.stop();
        String id = String.format("%024x", Math.abs(UUID.randomUUID().getMostSignificantBits()));
        assertThat(context.getBean(WebhookReceiver.class).receive(TestDeliveries.withKey(KEY).of(workflow(id)))
                .outcome()).isEqualTo(Outcome.ACCEPTED);

        context.close();

        assertThat(handlers.finished).containsExactly(id);
    }

    private static boolean waitsForInboxWorkers(Thread thread) {
        for (StackTraceElement frame : thread.getStackTrace()) {
            if (frame.getClassName().equals("ai.refold.webhooks.InboxLoops")) {
                return thread.getState() == Thread.State.TIMED_WAITING;
            }
        }
        return false;
    }

    private ConfigurableApplicationContext start(String... settings) {
        List<String> properties = new ArrayList<>(List.of("server.port=0", "spring.main.banner-mode=off",
                "refold.webhooks.keys.test=" + KEY));
        boolean jdbc = false;
        for (String setting : settings) {
            switch (setting) {
                case "acknowledge-fast" -> properties.add("refold.webhooks.acknowledge-fast=true");
                case "inbox" -> properties.addAll(List.of("refold.webhooks.inbox.enabled=true",
                        "refold.webhooks.inbox.store=memory"));
                case "jdbc" -> {
                    jdbc = true;
                    properties.addAll(List.of("refold.webhooks.idempotency.store=jdbc",
                            "refold.webhooks.idempotency.jdbc.create-table=true",
                            "refold.webhooks.idempotency.jdbc.purge-interval=1h"));
                }
                default -> properties.add(setting);
            }
        }
        SpringApplicationBuilder builder = new SpringApplicationBuilder(ShutdownApplication.class)
                .properties(properties.toArray(String[]::new));
        if (jdbc) {
            JdbcDataSource h2 = new JdbcDataSource();
            h2.setURL("jdbc:h2:mem:shutdown-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
            builder.initializers(context -> ((GenericApplicationContext) context)
                    .registerBean(DataSource.class, () -> h2));
        }
        ConfigurableApplicationContext context = builder.run();
        contexts.add(context);
        handlers = context.getBean(BlockingHandlers.class);
        return context;
    }

    private static int port(ConfigurableApplicationContext context) {
        return context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
    }

    private static byte[] workflow(String instanceId) {
        return Workflows.body(EventType.WORKFLOW_COMPLETED, instanceId);
    }

    // Delivers workflows one after another, each answered 200; returns their instance ids in order.
    private static List<String> deliverWorkflows(ConfigurableApplicationContext context, int count) {
        Http http = new Http(port(context));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String id = String.format("%024x", Math.abs(UUID.randomUUID().getMostSignificantBits()));
            assertThat(http.deliver(workflow(id), KEY).statusCode()).isEqualTo(200);
            ids.add(id);
        }
        return ids;
    }

    // Sends deliveries whose handler returns at once, each on a new connection, until one is not answered 200: the
    // answer a delivery gets once the application is shutting down. A connection the server refuses fails the test.
    private static HttpResponse<String> probeUntilRefused(ConfigurableApplicationContext context)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() - deadline < 0) {
            HttpResponse<String> response;
            try {
                response = new Http(port(context)).deliver(connectionCreated(), KEY);
            } catch (UncheckedIOException e) {
                throw new AssertionError("the web server stopped taking deliveries before the receiver refused"
                        + " them: " + e.getCause(), e);
            }
            if (response.statusCode() != 200) {
                return response;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("deliveries were still answered 200 30 s after the context began to close");
    }

    private static byte[] connectionCreated() {
        String sample = new String(SamplePayloads.of(EventType.CONNECTION_CREATED), StandardCharsets.UTF_8);
        return sample.replace("12345", "probe" + PROBES.incrementAndGet()).getBytes(StandardCharsets.UTF_8);
    }

    // Names the threads the starter and the receiver start that are still alive after a bounded wait for them.
    private List<String> starterThreadsLeft() throws InterruptedException {
        List<String> left = new ArrayList<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (threadsBefore.contains(thread) || !thread.getName().startsWith("refold-")) {
                continue;
            }
            thread.join(10_000);
            if (thread.isAlive()) {
                left.add(thread.getName());
            }
        }
        return left;
    }

    /** An application with the starter, a meter registry and handlers that wait until the test releases them. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class ShutdownApplication {

        @Bean
        BlockingHandlers blockingHandlers() {
            return new BlockingHandlers();
        }

        @Bean
        MeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }
    }

    /** Workflow handlers wait for {@link #release}; connection handlers return at once. */
    public static class BlockingHandlers {

        final Semaphore started = new Semaphore(0);
        final Semaphore done = new Semaphore(0);
        final List<String> finished = new CopyOnWriteArrayList<>();
        final List<String> interrupted = new CopyOnWriteArrayList<>();
        final CountDownLatch release = new CountDownLatch(1);

        @RefoldWebhook
        void onCompleted(WorkflowCompleted event) {
            started.release();
            try {
                if (release.await(60, TimeUnit.SECONDS)) {
                    finished.add(event.instanceId());
                }
            } catch (InterruptedException e) {
                interrupted.add(event.instanceId());
                Thread.currentThread().interrupt();
            } finally {
                done.release();
            }
        }

        @RefoldWebhook
        void onCreated(ConnectionCreated event) {
        }
    }
}
