package ai.refold.webhooks;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * A test's handle on one {@link InboxReceiverProcess}: its port, the entries its workers hold (taken and not yet
 * ended, from the lines it prints), and its slow handlers, so that the test can kill it with {@code SIGKILL} at a
 * moment a handler runs and know exactly which entries it held: the crash window.
 */
final class ChildReceiver {

    private final String name;
    private final Process process;
    private final Thread reader;
    private final Path errors;
    private final CompletableFuture<Integer> port = new CompletableFuture<>();
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    private final Set<String> workers = ConcurrentHashMap.newKeySet();
    private final Set<String> lapsed = ConcurrentHashMap.newKeySet();
    private final Semaphore slowHandlers = new Semaphore(0);

    private ChildReceiver(String name, Process process, Path errors) {
        this.name = name;
        this.process = process;
        this.errors = errors;
        this.reader = ChildJvm.readLines(process, "child-" + name + "-output", this::read);
    }

    /**
     * Starts instance {@code name} with the process's arguments after the first five ({@link InboxReceiverProcess}),
     * and waits until it serves.
     */
    static ChildReceiver start(String name, List<String> args, Path directory, Duration patience) throws Exception {
        Path errors = directory.resolve(name.replace('\'', '2') + ".err");
        Process process = ChildJvm.start(InboxReceiverProcess.class, List.of("-Xmx256m", "-XX:+UseSerialGC"), args,
                errors);
        ChildReceiver child = new ChildReceiver(name, process, errors);
        child.awaitPort(patience);
        return child;
    }

    String name() {
        return name;
    }

    /** Returns the port it serves on. */
    int port() {
        return port.getNow(-1);
    }

    /**
     * Forgets the slow handlers started so far and waits up to {@code patience} for the next one to start.
     *
     * @return whether one started
     */
    boolean awaitNextSlowHandler(Duration patience) throws InterruptedException {
        slowHandlers.drainPermits();
        return slowHandlers.tryAcquire(patience.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Kills the process with {@code SIGKILL} and returns the keys of the entries it reported taken and not ended (its
     * last lines are read before this returns). A worker killed between a take and its report held one entry more.
     */
    Set<String> kill(Duration patience) throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(patience.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("instance " + name + " did not die within " + patience);
        }
        reader.join(patience.toMillis());
        return held.stream().map(pair -> pair.substring(0, pair.indexOf(' '))).collect(Collectors.toSet());
    }

    /**
     * Returns the owner token prefixes of its workers seen so far (each worker names its takes {@code <node>.<n>}), to
     * find in the database the entries a killed worker took and died before reporting.
     */
    Set<String> workerNodes() {
        return Set.copyOf(workers);
    }

    /**
     * Returns the keys of the entries whose holder here found them no longer its own (a renewal or an outcome the
     * store refused): their lease lapsed while this live process held them, so another worker took them as a rerun.
     * A process starved of CPU for most of a lease (two test builds side by side on two cores) can see this.
     */
    Set<String> lapsedKeys() {
        return Set.copyOf(lapsed);
    }

    /** Asks the process to shut down gracefully, and kills it if it has not exited within {@code patience}. */
    void stop(Duration patience) throws InterruptedException {
        try {
            OutputStream input = process.getOutputStream();
            input.write((ReceiverProcess.STOP + "\n").getBytes(StandardCharsets.UTF_8));
            input.flush();
        } catch (IOException e) {
            // already gone
        }
        if (!process.waitFor(patience.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor(patience.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Returns what the process wrote on its standard error, for a failure's message. */
    String errors() {
        try {
            return Files.exists(errors) ? Files.readString(errors) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }

    private void awaitPort(Duration patience) throws Exception {
        try {
            port.get(patience.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            process.destroyForcibly();
            throw new IllegalStateException("instance " + name + " did not start within " + patience + "; its errors: "
                    + errors(), e);
        }
    }

    private void read(String line) {
        int space = line.indexOf(' ');
        String kind = space < 0 ? line : line.substring(0, space);
        String rest = space < 0 ? "" : line.substring(space + 1);
        switch (kind) {
            case InboxReceiverProcess.LISTENING -> port.complete(Integer.parseInt(rest));
            case InboxReceiverProcess.TAKEN -> {
                held.add(rest);
                String owner = rest.substring(rest.indexOf(' ') + 1);
                workers.add(owner.substring(0, owner.indexOf('.') + 1));
            }
            case InboxReceiverProcess.ENDED -> held.remove(rest);
            case InboxReceiverProcess.LAPSED -> lapsed.add(rest);
            case InboxReceiverProcess.SLOW -> slowHandlers.release();
            default -> { }
        }
    }
}
