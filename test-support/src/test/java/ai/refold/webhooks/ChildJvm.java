package ai.refold.webhooks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A JVM of its own on this test JVM's classpath, for tests that kill a receiver for real ({@code SIGKILL}): nothing of
 * it then reaches the database again. Children end with the test JVM ({@link ReceiverProcess#exitWithParent}).
 */
final class ChildJvm {

    private ChildJvm() {
    }

    /** Starts {@code main} with {@code jvmOptions} and {@code args}; its standard error goes to {@code errors}. */
    static Process start(Class<?> main, List<String> jvmOptions, List<String> args, Path errors) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(args);
        return new ProcessBuilder(command).redirectError(errors.toFile()).start();
    }

    /**
     * Hands each line the child prints to {@code onLine}, on a daemon thread, so that a silent child cannot hang the
     * test; the thread ends when the child's output does (once it died, every line it wrote has been handed over).
     */
    static Thread readLines(Process child, String name, Consumer<String> onLine) {
        Thread reader = new Thread(() -> {
            try (BufferedReader output = new BufferedReader(
                    new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = output.readLine(); line != null; line = output.readLine()) {
                    onLine.accept(line);
                }
            } catch (IOException e) {
                // the child died: no more lines
            }
        }, name);
        reader.setDaemon(true);
        reader.start();
        return reader;
    }
}
