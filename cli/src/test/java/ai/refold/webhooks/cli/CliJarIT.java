package ai.refold.webhooks.cli;

import ai.refold.webhooks.idempotency.InboxState;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The runnable jar as a user runs it, {@code java -jar target/refold-webhooks-cli.jar ...}, in a process of its own:
 * exit status, standard output and standard error. Run by failsafe after {@code package} has built the jar.
 */
class CliJarIT {

    private static final Path JAR = Path.of(System.getProperty("cli.jar", "target/refold-webhooks-cli.jar"));

    @TempDir
    Path directory;

    record Run(int status, String out, String err) {
    }

    @BeforeAll
    static void theJarIsBuilt() {
        assertThat(JAR).as("built by mvn package").isRegularFile();
    }

    private Run java(Map<String, String> environment, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-jar", JAR.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(directory.resolve("out.txt").toFile())
                .redirectError(directory.resolve("err.txt").toFile());
        builder.environment().remove("REFOLD_API_KEY");
        builder.environment().putAll(environment);
        Process process = builder.start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the tool ended").isTrue();
        return new Run(process.exitValue(), Files.readString(directory.resolve("out.txt"), StandardCharsets.UTF_8),
                Files.readString(directory.resolve("err.txt"), StandardCharsets.UTF_8));
    }

    private Run java(String... args) throws IOException, InterruptedException {
        return java(Map.of(), args);
    }

    @Test
    void helpExitsZeroWithTheUsageOnStandardOutput() throws Exception {
        Run run = java("--help");

        assertThat(run.status()).isZero();
        assertThat(run.out()).startsWith("usage: refold-webhooks-cli COMMAND [OPTIONS]").contains("exit status");
        assertThat(run.err()).isEmpty();
    }

    @Test
    void aWrongFlagExitsTwoWithExactlyOneLine() throws Exception {
        Run run = java("send", "--verbose");

        assertThat(run.status()).isEqualTo(2);
        assertThat(run.err()).isEqualTo("refold-webhooks-cli: unknown option --verbose for send; try --help\n");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void sendToARunningReceiverExitsZero() throws Exception {
        try (TestReceiver receiver = TestReceiver.start("jar-test-key")) {
            Run run = java(Map.of("REFOLD_API_KEY", "jar-test-key"), "send", "--url", receiver.url(), "--sample",
                    "workflow-errored");

            assertThat(run.status()).as(run.err()).isZero();
            assertThat(run.out()).startsWith("HTTP 200\n").contains("\"status\":\"processed\"");
            assertThat(run.err()).isEmpty();
            assertThat(receiver.handled()).containsExactly("Workflow Errored");
        }
    }

    @Test
    void aConnectionRefusedExitsOneWithOneLine() throws Exception {
        int port = RefoldWebhooksCliTest.closedPort();

        Run run = java(Map.of("REFOLD_API_KEY", "jar-test-key"), "send", "--url", "http://127.0.0.1:" + port
                + "/webhooks/refold", "--sample", "workflow-errored");

        assertThat(run.status()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("refold-webhooks-cli: could not connect to 127.0.0.1:" + port
                + ": Connection refused; nothing was sent\n");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void deadLettersAreListedAndReplayedInAnH2FileDatabase() throws Exception {
        DeadLetterDatabase database = DeadLetterDatabase.create(directory, "jar-test-password");
        Map<String, String> environment = Map.of("INBOX_PASSWORD", "jar-test-password");

        Run list = java(environment, "dead-letters", "list", "--jdbc-url", database.url(), "--user",
                DeadLetterDatabase.USER, "--password-env", "INBOX_PASSWORD");

        assertThat(list.status()).as(list.err()).isZero();
        assertThat(list.out()).contains(DeadLetterDatabase.ERRORED_KEY).contains(DeadLetterDatabase.EXPIRED_KEY)
                .endsWith("2 dead letters\n").doesNotContain("jar-test-password");
        assertThat(list.err()).isEmpty();

        Run replay = java(environment, "dead-letters", "replay", DeadLetterDatabase.ERRORED_KEY, "--jdbc-url",
                database.url(), "--user", DeadLetterDatabase.USER, "--password-env", "INBOX_PASSWORD");

        assertThat(replay.status()).as(replay.err()).isZero();
        assertThat(replay.out()).startsWith("replayed " + DeadLetterDatabase.ERRORED_KEY);
        assertThat(replay.err()).isEmpty();
        assertThat(database.state(DeadLetterDatabase.ERRORED_KEY)).isEqualTo(InboxState.PENDING);
        assertThat(database.state(DeadLetterDatabase.EXPIRED_KEY)).isEqualTo(InboxState.DEAD);
    }

    @Test
    void aDatabaseThatCannotBeReachedExitsOneWithOneLineAndNoPassword() throws Exception {
        int port = RefoldWebhooksCliTest.closedPort();

        Run run = java(Map.of("INBOX_PASSWORD", "jar-test-password"), "dead-letters", "list", "--jdbc-url",
                "jdbc:postgresql://127.0.0.1:" + port + "/app", "--user", "app", "--password-env", "INBOX_PASSWORD");

        assertThat(run.status()).isEqualTo(1);
        assertThat(run.err()).startsWith("refold-webhooks-cli: could not connect to the database: Connection to")
                .hasLineCount(1).doesNotContain("jar-test-password");
        assertThat(run.out()).isEmpty();
    }
}
