package ai.refold.webhooks.cli;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.idempotency.InboxState;
import ai.refold.webhooks.signature.WebhookSigner;
import ai.refold.webhooks.test.SamplePayloads;

import com.sun.net.httpserver.HttpServer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The tool in this JVM, command by command; {@code CliJarIT} runs the built jar itself. */
class RefoldWebhooksCliTest {

    private static final String PASSWORD = "inbox-password-not-real";
    // A key's shape that no command or option name has; never a real key
    private static final String API_KEY = "rk_test_2f9c1e7a4b5d6e8f";
    // Credentials a URL may carry, in its user information and its query
    private static final String URL_SECRET = "url-secret-not-real";
    private static final String URL_TOKEN = "url-token-not-real";

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final Map<String, String> environment = new HashMap<>();

    @TempDir
    Path directory;

    private int run(String... args) {
        return RefoldWebhooksCli.run(args, environment::get,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpPrintsTheUsageOnStandardOutputWhereverItIsAsked() {
        for (String[] args : new String[][] {{"--help"}, {"help"}, {"-h"}, {"send", "--help"},
                {"dead-letters", "replay", "--help"}}) {
            out.reset();
            assertThat(run(args)).isZero();
            assertThat(out()).startsWith("usage: refold-webhooks-cli COMMAND").contains("dead-letters replay");
        }
        assertThat(err()).isEmpty();
    }

    @Test
    void aWrongOptionIsOneLineNamingItAndExitsTwo() {
        assertThat(run("send", "--bogus", "1")).isEqualTo(2);

        assertThat(err()).isEqualTo("refold-webhooks-cli: unknown option --bogus for send; try --help\n");
        assertThat(out()).isEmpty();
    }

    @Test
    void usageErrorsNameWhatIsWrong() {
        assertThat(run()).isEqualTo(2);
        assertThat(run("deliver")).isEqualTo(2);
        assertThat(run("--url")).isEqualTo(2);
        assertThat(run("send", "--url", "ftp://x/hook", "--sample", "workflow-errored", "--key", "k")).isEqualTo(2);
        assertThat(run("send", "--url", "http://127.0.0.1:9/hook", "--sample", "invoice-paid", "--key", "k"))
                .isEqualTo(2);
        assertThat(run("sign", "--sample", "workflow-errored")).isEqualTo(2);

        assertThat(err()).isEqualTo("""
                refold-webhooks-cli: no command given; try --help
                refold-webhooks-cli: unknown command 'deliver'; try --help
                refold-webhooks-cli: unknown option --url; try --help
                refold-webhooks-cli: --url must be an http:// or https:// URL with a host, not 'ftp://x/hook'; try --help
                refold-webhooks-cli: unknown sample 'invoice-paid' (samples: connection-created, connection-deleted, \
                connection-expired, workflow-completed, workflow-errored); try --help
                refold-webhooks-cli: sign needs the API key in the environment variable REFOLD_API_KEY (or the one \
                --key-env names); try --help
                """);
    }

    @Test
    void versionNamesTheTool() {
        assertThat(run("--version")).isZero();

        assertThat(out()).startsWith("refold-webhooks-cli ");
    }

    @Test
    void sendSignsTheNamedSampleAndPrintsTheReceiversAnswer() throws Exception {
        environment.put("REFOLD_API_KEY", "sender-test-key");
        try (TestReceiver receiver = TestReceiver.start("sender-test-key")) {
            int status = run("send", "--url", receiver.url(), "--sample", "connection-expired");

            assertThat(status).isZero();
            assertThat(out()).contains("HTTP 200").contains("\"processed\"");
            assertThat(err()).isEmpty();
            assertThat(receiver.handled()).containsExactly("Connection Expired");
        }
    }

    @Test
    void sendWithAnotherKeyIsRejectedAndExitsOne() throws Exception {
        try (TestReceiver receiver = TestReceiver.start("sender-test-key")) {
            int status = run("send", "--url", receiver.url(), "--key", "another-key", "--sample", "workflow-errored",
                    "--method", "PUT");

            assertThat(status).isEqualTo(1);
            assertThat(out()).contains("HTTP 401").contains("signature_mismatch");
            assertThat(receiver.handled()).isEmpty();
        }
    }

    @Test
    void sendReadsAFileAndTheKeyFromTheEnvironmentVariableKeyEnvNames() throws Exception {
        Path body = directory.resolve("body.json");
        java.nio.file.Files.write(body, SamplePayloads.of(EventType.WORKFLOW_COMPLETED));
        environment.put("MY_REFOLD_KEY", "sender-test-key");
        try (TestReceiver receiver = TestReceiver.start("sender-test-key")) {
            int status = run("send", "--url=" + receiver.url(), "--file", body.toString(), "--key-env",
                    "MY_REFOLD_KEY");

            assertThat(status).as(err()).isZero();
            assertThat(receiver.handled()).containsExactly("Workflow Completed");
        }
    }

    @Test
    void sendToAClosedPortSaysTheConnectionWasRefusedInOneLine() throws Exception {
        environment.put("REFOLD_API_KEY", "sender-test-key");
        int status = run("send", "--url", "http://127.0.0.1:" + closedPort() + "/webhooks/refold", "--sample",
                "workflow-errored");

        assertThat(status).isEqualTo(1);
        assertThat(err()).matches("refold-webhooks-cli: could not connect to 127\\.0\\.0\\.1:\\d+: Connection refused;"
                + " nothing was sent\n");
        assertThat(out()).isEmpty();
    }

    @Test
    void sendToAReceiverThatDoesNotAnswerInTimeSaysTheDeliveryMayStillBeProcessed() throws Exception {
        HttpServer slow = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        slow.createContext("/webhooks/refold", exchange -> {
            try {
                Thread.sleep(3_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        slow.start();
        try {
            String url = "http://127.0.0.1:" + slow.getAddress().getPort() + "/webhooks/refold";

            environment.put("REFOLD_API_KEY", "sender-test-key");
            int status = run("send", "--url", url, "--sample", "workflow-errored", "--timeout", "1");

            assertThat(status).isEqualTo(1);
            assertThat(err()).isEqualTo("refold-webhooks-cli: no answer from " + url + " within 1 s; the receiver may"
                    + " still process the delivery\n");
        } finally {
            slow.stop(0);
        }
    }

    // A webhook URL often carries a credential in its user information or its query: neither is printed.
    @Test
    void sendShowsTheUrlWithoutItsUserInformationOrQueryWhenNoAnswerComes() throws Exception {
        CountDownLatch released = new CountDownLatch(1);
        HttpServer silent = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        silent.createContext("/webhooks/refold", exchange -> {
            try {
                released.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        silent.start();
        try {
            String address = "127.0.0.1:" + silent.getAddress().getPort() + "/webhooks/refold";

            environment.put("REFOLD_API_KEY", "sender-test-key");
            int status = run("send", "--url", "http://hook-user:" + URL_SECRET + "@" + address + "?token=" + URL_TOKEN,
                    "--sample", "workflow-errored", "--timeout", "1");

            assertThat(status).isEqualTo(1);
            assertThat(err()).isEqualTo("refold-webhooks-cli: no answer from http://" + address + "?... within 1 s;"
                    + " the receiver may still process the delivery\n");
        } finally {
            released.countDown();
            silent.stop(0);
        }
    }

    @Test
    void aRefusedUrlIsShownWithoutItsUserInformationOrQuery() {
        int status = run("send", "--url", "ftp://hook-user:" + URL_SECRET + "@example.com/hook?token=" + URL_TOKEN,
                "--sample", "workflow-errored", "--key", "k");

        assertThat(status).isEqualTo(2);
        assertThat(err()).isEqualTo("refold-webhooks-cli: --url must be an http:// or https:// URL with a host, not"
                + " 'ftp://example.com/hook?...'; try --help\n");
    }

    // A password typed unencoded may hold a '/', '?' or '#': the user information then seems to end early, and the
    // rest of it, up to its '@', was shown as the host or the path.
    @Test
    void aPasswordHoldingASlashOrAQuestionMarkIsNotShownInARefusedUrl() {
        int slash = run("send", "--url", "http://hook-user:pa/" + URL_SECRET + "@example.com/hook",
                "--sample", "workflow-errored", "--key", "k");
        int question = run("send", "--url", "http://hook-user:pq?" + URL_SECRET + "@example.com/hook",
                "--sample", "workflow-errored", "--key", "k");

        assertThat(slash).isEqualTo(2);
        assertThat(question).isEqualTo(2);
        assertThat(err()).doesNotContain(URL_SECRET).doesNotContain("pa/").doesNotContain("pq")
                .contains("'http://example.com/hook'").hasLineCount(2);
    }

    // Values the HTTP client refuses are a wrong command line (2), not a failed run (1), and nothing is sent.
    @Test
    void sendOptionsTheHttpClientRefusesAreUsageErrors() {
        environment.put("REFOLD_API_KEY", "sender-test-key");

        assertThat(run("send", "--url", "http://127.0.0.1:99999/webhooks/refold", "--sample", "workflow-errored"))
                .isEqualTo(2);
        assertThat(run("send", "--url", "http://127.0.0.1:9/webhooks/refold", "--sample", "workflow-errored",
                "--method", "CONNECT")).isEqualTo(2);
        assertThat(run("send", "--url", "http://127.0.0.1:9/webhooks/refold", "--sample", "workflow-errored",
                "--header", "Content-Length")).isEqualTo(2);

        assertThat(err()).hasLineCount(3)
                .contains("refold-webhooks-cli: --url has the port 99999; a port is from 1 to 65535; try --help\n")
                .contains("refold-webhooks-cli: --method CONNECT cannot carry a delivery; try --help\n")
                .contains("refold-webhooks-cli: --header content-length is a header the HTTP client sets itself;"
                        + " try --help\n");
        assertThat(out()).isEmpty();
    }

    @Test
    void aMissingFileIsAFailureOfTheRunNotOfTheCommandLine() {
        int status = run("sign", "--file", directory.resolve("absent.json").toString(), "--key", "k");

        assertThat(status).isEqualTo(1);
        assertThat(err()).endsWith("absent.json: no such file\n");
    }

    @Test
    void aKeyThatBreaksTheKeyPolicyIsRefusedWithoutBeingShown() {
        int status = run("sign", "--sample", "workflow-errored", "--key", "my-refold-key\n");

        assertThat(status).isEqualTo(2);
        assertThat(err()).isEqualTo("refold-webhooks-cli: --key contains white space (a pasted newline or space?);"
                + " try --help\n");
    }

    @Test
    void aKeyTypedAsAPositionalArgumentIsNamedByItsPositionNeverShown() {
        int status = run("sign", "--sample", "workflow-errored", API_KEY);

        assertThat(status).isEqualTo(2);
        assertThat(err()).isEqualTo("refold-webhooks-cli: unexpected argument at position 3 after sign (not shown,"
                + " in case it is a key); the API key is read from the environment variable REFOLD_API_KEY, or the"
                + " one --key-env names; try --help\n");
        assertThat(out()).isEmpty();
    }

    @Test
    void noWordOfAKeysShapeIsShownWhereverItIsTyped() {
        assertThat(run(API_KEY, "sign")).isEqualTo(2);
        assertThat(run("dead-letters", API_KEY)).isEqualTo(2);
        assertThat(run("send", "-" + API_KEY)).isEqualTo(2);
        assertThat(run("dead-letters", "show", "some-key", API_KEY, "--jdbc-url", "jdbc:h2:/nowhere")).isEqualTo(2);
        assertThat(run("sign", "--sample", "workflow-errored", "--key-env", API_KEY)).isEqualTo(2);
        assertThat(run("dead-letters", "list", "--jdbc-url", "jdbc:h2:/nowhere", "--password-env", PASSWORD))
                .isEqualTo(2);

        assertThat(err()).hasLineCount(6).doesNotContain(API_KEY).doesNotContain(PASSWORD)
                .contains("refold-webhooks-cli: unexpected argument at position 2 after dead-letters show (not shown,"
                        + " in case it is a key); try --help\n")
                .contains("refold-webhooks-cli: the environment variable --key-env names is not set (the name is not"
                        + " shown, in case it is a key); try --help\n");
    }

    @Test
    void aKeyGivenWithKeyIsUsedWithAWarningThatPointsToTheEnvironmentVariable() {
        int status = run("sign", "--sample", "workflow-errored", "--key", "sign-test-key");

        assertThat(status).isZero();
        assertThat(out()).isEqualTo(WebhookSigner.of("sign-test-key").sign(SamplePayloads.of(
                EventType.WORKFLOW_ERRORED)) + "\n");
        assertThat(err()).isEqualTo("refold-webhooks-cli: warning: a key given with --key is visible in the process"
                + " list and the shell history; put it in the environment variable REFOLD_API_KEY (or the one"
                + " --key-env names) instead\n");
    }

    @Test
    void theUsageShowsTheKeyAsAnEnvironmentVariableNotAsAPositionalArgument() {
        assertThat(run("--help")).isZero();

        assertThat(out()).contains("sign (--sample NAME | --file PATH) [--key-env VARIABLE] [--prefix TEXT]")
                .contains("API key    read from the environment variable REFOLD_API_KEY, or the one --key-env names")
                .doesNotContainPattern("(send|sign|register) [^\\n]*(\\)|\"|URL) KEY");
    }

    @Test
    void signPrintsTheSignatureRefoldWouldSend() {
        environment.put("REFOLD_API_KEY", "sign-test-key");

        assertThat(run("sign", "--sample", "workflow-errored")).isZero();

        assertThat(out()).isEqualTo(WebhookSigner.of("sign-test-key").sign(SamplePayloads.of(
                EventType.WORKFLOW_ERRORED)) + "\n");
        assertThat(out()).doesNotContain("sign-test-key");
    }

    @Test
    void registerCreatesASubscriptionThroughTheCreateWebhookApi() throws Exception {
        AtomicReference<String> received = new AtomicReference<>();
        AtomicReference<String> apiKey = new AtomicReference<>();
        HttpServer api = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        api.createContext("/api/v2/public/webhook", exchange -> {
            received.set(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            apiKey.set(exchange.getRequestHeaders().getFirst("x-api-key"));
            byte[] answer = ("{\"_id\":\"6a313eda6d5528bdcf71ebac\",\"org_id\":\"6500a1b2c3d4e5f6a7b8c9d0\","
                    + "\"environment\":\"test\",\"is_enabled\":true,\"webhook_events\":[\"Workflow Errored\"],"
                    + "\"workflow_ids\":[],\"webhook_url\":\"https://your-app.com/webhooks/refold\","
                    + "\"webhook_body\":\"{{event}}\",\"method\":\"POST\",\"webhook_type\":\"default\","
                    + "\"createdAt\":\"2026-06-16T12:17:30.231Z\"}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        api.start();
        try {
            int status = run("register", "--key", "register-test-key", "--url", "https://your-app.com/webhooks/refold",
                    "--events", "Workflow Errored", "--base-uri", "http://127.0.0.1:" + api.getAddress().getPort());

            assertThat(status).as(err()).isZero();
            assertThat(apiKey.get()).isEqualTo("register-test-key");
            assertThat(received.get()).contains("\"webhook_url\":\"https://your-app.com/webhooks/refold\"")
                    .contains("\"webhook_events\":[\"Workflow Errored\"]");
            assertThat(out()).contains("created webhook 6a313eda6d5528bdcf71ebac in test");
        } finally {
            api.stop(0);
        }
    }

    @Test
    void registerShowsTheCreatedWebhooksUrlWithoutItsQuery() throws Exception {
        String webhookUrl = "https://your-app.com/webhooks/refold?token=" + URL_TOKEN;
        HttpServer api = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        api.createContext("/api/v2/public/webhook", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] answer = ("{\"_id\":\"6a313eda6d5528bdcf71ebac\",\"org_id\":\"6500a1b2c3d4e5f6a7b8c9d0\","
                    + "\"environment\":\"test\",\"is_enabled\":true,\"webhook_events\":[\"Workflow Errored\"],"
                    + "\"workflow_ids\":[],\"webhook_url\":\"" + webhookUrl + "\","
                    + "\"webhook_body\":\"{{event}}\",\"method\":\"POST\",\"webhook_type\":\"default\","
                    + "\"createdAt\":\"2026-06-16T12:17:30.231Z\"}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        api.start();
        try {
            environment.put("REFOLD_API_KEY", "register-test-key");
            int status = run("register", "--url", webhookUrl, "--events",
                    "Workflow Errored", "--base-uri", "http://127.0.0.1:" + api.getAddress().getPort());

            assertThat(status).as(err()).isZero();
            assertThat(out()).endsWith(" -> POST https://your-app.com/webhooks/refold?...\n")
                    .doesNotContain(URL_TOKEN);
        } finally {
            api.stop(0);
        }
    }

    @Test
    void registerShowsTheWebhookUrlWithoutItsQueryWhereRefoldsRefusalQuotesIt() throws Exception {
        String webhookUrl = "https://your-app.com/webhooks/refold?token=" + URL_TOKEN;
        HttpServer api = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        api.createContext("/api/v2/public/webhook", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] answer = ("{\"http_error_type\":\"BAD_REQUEST\",\"error\":\"INVALID_URL\",\"message\":"
                    + "\"cannot reach " + webhookUrl + "\"}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(400, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        api.start();
        try {
            environment.put("REFOLD_API_KEY", "register-test-key");
            int status = run("register", "--url", webhookUrl, "--events",
                    "Workflow Errored", "--base-uri", "http://127.0.0.1:" + api.getAddress().getPort());

            assertThat(status).isEqualTo(1);
            assertThat(err()).startsWith("refold-webhooks-cli: Refold refused the subscription: ")
                    .endsWith("cannot reach https://your-app.com/webhooks/refold?...\n").doesNotContain(URL_TOKEN);
        } finally {
            api.stop(0);
        }
    }

    @Test
    void registerRejectsAnUndocumentedEventBeforeSendingAnything() {
        int status = run("register", "--key", "k", "--url", "https://your-app.com/hook", "--events", "Invoice Paid",
                "--base-uri", "http://127.0.0.1:9");

        assertThat(status).isEqualTo(2);
        assertThat(err()).contains("Invoice Paid").hasLineCount(1);
    }

    @Test
    void registerReportsAnEmptyEventListAsAUsageError() {
        int status = run("register", "--key", "k", "--url", "https://your-app.com/hook", "--events", ",",
                "--base-uri", "http://127.0.0.1:9");

        assertThat(status).isEqualTo(2);
        assertThat(err()).contains("webhook_events needs at least one event");
    }

    @Test
    void registerWithRefoldUnreachableSaysSoAndThatNoWebhookWasCreated() throws Exception {
        int port = closedPort();
        environment.put("REFOLD_API_KEY", "register-test-key");
        int status = run("register", "--url", "https://your-app.com/hook",
                "--events", "Workflow Errored", "--base-uri", "http://127.0.0.1:" + port);

        assertThat(status).isEqualTo(1);
        assertThat(err()).isEqualTo("refold-webhooks-cli: could not connect to 127.0.0.1:" + port
                + ": Connection refused; no webhook was created\n");
    }

    @Test
    void registerWithAKeyRefoldRefusesSaysSoWithoutTheKey() throws Exception {
        HttpServer api = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        api.createContext("/api/v2/public/webhook", exchange -> {
            exchange.sendResponseHeaders(401, -1);
            exchange.close();
        });
        api.start();
        environment.put("REFOLD_API_KEY", "register-test-key");
        try {
            int status = run("register", "--url", "https://your-app.com/hook", "--events", "Workflow Errored",
                    "--base-uri", "http://127.0.0.1:" + api.getAddress().getPort());

            assertThat(status).isEqualTo(1);
            assertThat(err()).isEqualTo("refold-webhooks-cli: Refold did not accept the API key (401): check the key"
                    + " and its environment\n");
        } finally {
            api.stop(0);
        }
    }

    @Test
    void deadLettersListShowsEachDeadLetterOldestFirst() {
        DeadLetterDatabase database = DeadLetterDatabase.create(directory, PASSWORD);
        environment.put("INBOX_PASSWORD", PASSWORD);

        int status = run("dead-letters", "list", "--jdbc-url", database.url(), "--user", DeadLetterDatabase.USER,
                "--password-env", "INBOX_PASSWORD");

        assertThat(status).as(err()).isZero();
        assertThat(out().lines()).hasSize(4).satisfies(lines -> {
            assertThat(lines.get(0)).startsWith("received at").endsWith("last error");
            assertThat(lines.get(1)).startsWith("2026-06-16T10:00:00Z").contains("Workflow Errored")
                    .contains(DeadLetterDatabase.ERRORED_KEY).endsWith("the CRM is down");
            assertThat(lines.get(2)).startsWith("2026-06-16T12:00:00Z").contains(DeadLetterDatabase.EXPIRED_KEY);
            assertThat(lines.get(3)).isEqualTo("2 dead letters");
        });
        assertThat(out() + err()).doesNotContain(PASSWORD);
    }

    // A store may hold a last error with a line break or a terminal escape; each entry still takes one line.
    @Test
    void deadLettersListEscapesControlCharactersSoThatEachEntryIsOneLine() {
        DeadLetterDatabase database = DeadLetterDatabase.create(directory, "",
                "java.sql.SQLException: ERROR: the CRM is down\r\n  Detail: \u001b[31mretry\u001b[0m\tlater\u2028end");

        int status = run("dead-letters", "list", "--jdbc-url", database.url(), "--user", DeadLetterDatabase.USER);

        assertThat(status).as(err()).isZero();
        assertThat(out().lines()).hasSize(4).satisfies(lines -> {
            assertThat(lines.get(1)).contains(DeadLetterDatabase.ERRORED_KEY).endsWith("java.sql.SQLException: ERROR:"
                    + " the CRM is down\\r\\n  Detail: \\u001b[31mretry\\u001b[0m\\tlater\\u2028end");
            assertThat(lines.get(3)).isEqualTo("2 dead letters");
        });
        assertThat(out()).doesNotContain("\u001b").doesNotContain("\r").doesNotContain("\u2028");
    }

    @Test
    void deadLettersShowEscapesControlCharactersInTheLastError() {
        DeadLetterDatabase database = DeadLetterDatabase.create(directory, "", "failed\nstate:          DONE");

        int status = run("dead-letters", "show", DeadLetterDatabase.ERRORED_KEY, "--jdbc-url", database.url(),
                "--user", DeadLetterDatabase.USER);

        assertThat(status).as(err()).isZero();
        assertThat(out()).contains("\nlast error:     failed\\nstate:          DONE\n");
        assertThat(out().lines().filter(line -> line.startsWith("state:"))).containsExactly("state:          DEAD");
    }

    @Test
    void deadLettersShowPrintsTheEntryWithItsBody() {
        DeadLetterDatabase database = DeadLetterDatabase.create(directory, "");

        int status = run("dead-letters", "show", DeadLetterDatabase.ERRORED_KEY, "--jdbc-url", database.url(),
                "--user", DeadLetterDatabase.USER);

        assertThat(status).as(err()).isZero();
        assertThat(out()).contains("state:          DEAD").contains("done handlers:  #1")
                .contains(new String(SamplePayloads.of(EventType.WORKFLOW_ERRORED), StandardCharsets.UTF_8));
    }

    @Test
    void deadLettersShowPrintsHeaderNamesButNotTheirValues() {
        DeadLetterDatabase database = DeadLetterDatabase.create(directory, "");

        int status = run("dead-letters", "show", DeadLetterDatabase.ERRORED_KEY, "--jdbc-url", database.url(),
                "--user", DeadLetterDatabase.USER);

        assertThat(status).as(err()).isZero();
        assertThat(out()).contains("headers:        User-Agent, X-Receiver-Token (values not shown;"
                + " --show-header-values prints them)\n").doesNotContain(DeadLetterDatabase.RECEIVER_TOKEN)
                .doesNotContain("User-Agent: Refold");
    }

    @Test
    void deadLettersShowPrintsHeaderValuesOnlyWhenAskedAndSaysItDoes() {
        DeadLetterDatabase database = DeadLetterDatabase.create(directory, "");

        int status = run("dead-letters", "show", DeadLetterDatabase.ERRORED_KEY, "--show-header-values",
                "--jdbc-url", database.url(), "--user", DeadLetterDatabase.USER);

        assertThat(status).as(err()).isZero();
        assertThat(out()).contains("""
                headers:        values shown (--show-header-values)
                header:         User-Agent: Refold
                header:         X-Receiver-Token: %s
                """.formatted(DeadLetterDatabase.RECEIVER_TOKEN));
    }

    @Test
    void deadLettersReplayOfAKeyMakesOnlyThatEntryPending() {
        DeadLetterDatabase database = DeadLetterDatabase.create(directory, "");

        int status = run("dead-letters", "replay", DeadLetterDatabase.EXPIRED_KEY, "--jdbc-url", database.url(),
                "--user", DeadLetterDatabase.USER);

        assertThat(status).as(err()).isZero();
        assertThat(out()).startsWith("replayed " + DeadLetterDatabase.EXPIRED_KEY + ": pending and due now");
        assertThat(database.state(DeadLetterDatabase.EXPIRED_KEY)).isEqualTo(InboxState.PENDING);
        assertThat(database.state(DeadLetterDatabase.ERRORED_KEY)).isEqualTo(InboxState.DEAD);
    }

    @Test
    void deadLettersReplayOfASelectionReplaysWhatItMatches() {
        DeadLetterDatabase database = DeadLetterDatabase.create(directory, "");

        int status = run("dead-letters", "replay", "--event-type", "Workflow Errored", "--from", "2026-06-16",
                "--until", "2026-06-16T13:00:00+02:00", "--jdbc-url", database.url(), "--user",
                DeadLetterDatabase.USER);

        assertThat(status).as(err()).isZero();
        assertThat(out()).isEqualTo("replayed 1 dead letter\n");
        assertThat(database.state(DeadLetterDatabase.ERRORED_KEY)).isEqualTo(InboxState.PENDING);
        assertThat(database.state(DeadLetterDatabase.EXPIRED_KEY)).isEqualTo(InboxState.DEAD);
    }

    @Test
    void deadLettersDiscardOfAllDeletesOnlyDeadLetters() {
        DeadLetterDatabase database = DeadLetterDatabase.create(directory, "");

        int status = run("dead-letters", "discard", "--all", "--jdbc-url", database.url(), "--user",
                DeadLetterDatabase.USER);

        assertThat(status).as(err()).isZero();
        assertThat(out()).isEqualTo("discarded 2 dead letters\n");
        assertThat(database.state(DeadLetterDatabase.ERRORED_KEY)).isNull();
        assertThat(database.state(DeadLetterDatabase.PENDING_KEY)).isEqualTo(InboxState.PENDING);
    }

    @Test
    void deadLettersOfAnEntryThatIsNotDeadAreNotReplayed() {
        DeadLetterDatabase database = DeadLetterDatabase.create(directory, "");

        int status = run("dead-letters", "replay", DeadLetterDatabase.PENDING_KEY, "--jdbc-url", database.url(),
                "--user", DeadLetterDatabase.USER);

        assertThat(status).isEqualTo(1);
        assertThat(err()).isEqualTo("refold-webhooks-cli: the entry " + DeadLetterDatabase.PENDING_KEY
                + " is PENDING, not dead\n");
    }

    @Test
    void deadLettersReplayOrDiscardNeedAKeyOrASelection() {
        assertThat(run("dead-letters", "discard", "--jdbc-url", "jdbc:h2:/nowhere")).isEqualTo(2);
        assertThat(run("dead-letters", "discard", "k", "--all", "--jdbc-url", "jdbc:h2:/nowhere")).isEqualTo(2);
        assertThat(run("dead-letters", "list", "--from", "yesterday", "--jdbc-url", "jdbc:h2:/nowhere")).isEqualTo(2);
        assertThat(run("dead-letters", "list", "--event-type", "Invoice Paid", "--jdbc-url", "jdbc:h2:/nowhere"))
                .isEqualTo(2);

        assertThat(err()).hasLineCount(4).contains("dead-letters discard needs a KEY, a selection")
                .contains("dead-letters discard takes a KEY or a selection, not both")
                .contains("--from must be an ISO-8601 time").contains("--event-type must be a documented event");
    }

    // --limit caps a run; it selects nothing, so alone it must not stand for --all.
    @Test
    void aLimitAloneIsNotASelectionAndReplaysOrDiscardsNothing() {
        DeadLetterDatabase database = DeadLetterDatabase.create(directory, "");

        assertThat(run("dead-letters", "replay", "--limit", "1", "--jdbc-url", database.url(), "--user",
                DeadLetterDatabase.USER)).isEqualTo(2);
        assertThat(run("dead-letters", "discard", "--limit", "5", "--jdbc-url", database.url(), "--user",
                DeadLetterDatabase.USER)).isEqualTo(2);
        assertThat(run("dead-letters", "discard", DeadLetterDatabase.ERRORED_KEY, "--limit", "5", "--jdbc-url",
                database.url(), "--user", DeadLetterDatabase.USER)).isEqualTo(2);

        assertThat(err()).hasLineCount(3)
                .contains("refold-webhooks-cli: dead-letters replay needs a KEY, a selection (--event-type, --from,"
                        + " --until) or --all; --limit alone selects nothing; try --help\n")
                .contains("refold-webhooks-cli: dead-letters discard takes a KEY or a selection, not both");
        assertThat(out()).isEmpty();
        assertThat(database.state(DeadLetterDatabase.ERRORED_KEY)).isEqualTo(InboxState.DEAD);
        assertThat(database.state(DeadLetterDatabase.EXPIRED_KEY)).isEqualTo(InboxState.DEAD);
    }

    @Test
    void aBlankKeyIsAUsageError() {
        assertThat(run("dead-letters", "show", " ", "--jdbc-url", "jdbc:h2:/nowhere")).isEqualTo(2);
        assertThat(run("dead-letters", "replay", "", "--jdbc-url", "jdbc:h2:/nowhere")).isEqualTo(2);

        assertThat(err()).hasLineCount(2);
    }

    @Test
    void deadLettersRefuseAPasswordInTheJdbcUrl() {
        int status = run("dead-letters", "list", "--jdbc-url",
                "jdbc:postgresql://127.0.0.1/app?user=app&password=" + PASSWORD);

        assertThat(status).isEqualTo(2);
        assertThat(err()).startsWith("refold-webhooks-cli: --jdbc-url must not carry a password")
                .doesNotContain(PASSWORD);
    }

    // A driver may quote the URL it could not read; a credential in its user information or parameters stays out.
    @Test
    void aJdbcUrlTheDriverQuotesIsShownWithoutItsCredentials() {
        int status = run("dead-letters", "list", "--jdbc-url",
                "jdbc:postgresql://app:" + URL_SECRET + "@127.0.0.1:no-port/app?token=" + URL_TOKEN);

        assertThat(status).isEqualTo(1);
        assertThat(err()).isEqualTo("refold-webhooks-cli: could not connect to the database: Unable to parse URL"
                + " jdbc:postgresql://127.0.0.1:no-port/app?... (SQL state 99999)\n");
    }

    @Test
    void aPartOfAJdbcUrlTheDriverQuotesIsShownWithoutItsUserInformation() {
        int status = run("dead-letters", "list", "--jdbc-url", "jdbc:h2:tcp://inbox:" + URL_SECRET
                + "@127.0.0.1:no-port/inbox");

        assertThat(status).isEqualTo(1);
        assertThat(err()).startsWith("refold-webhooks-cli: could not connect to the database: ").contains("****")
                .doesNotContain(URL_SECRET).hasLineCount(1);
    }

    @Test
    void deadLettersOnADatabaseThatDoesNotExistSayTheyCouldNotConnect() {
        Path absent = directory.resolve("absent");

        int status = run("dead-letters", "list", "--jdbc-url", "jdbc:h2:" + absent);

        assertThat(status).isEqualTo(1);
        assertThat(err()).startsWith("refold-webhooks-cli: could not connect to the database: Database ")
                .hasLineCount(1);
        assertThat(absent.resolveSibling("absent.mv.db")).doesNotExist();
    }

    @Test
    void deadLettersOnADatabaseWithoutTheTableNameTheTable() {
        DeadLetterDatabase database = DeadLetterDatabase.create(directory, "");

        int status = run("dead-letters", "list", "--table", "other_inbox", "--jdbc-url", database.url(), "--user",
                DeadLetterDatabase.USER);

        assertThat(status).isEqualTo(1);
        assertThat(err()).isEqualTo("refold-webhooks-cli: the database has no table other_inbox (is it the"
                + " receiver's database? --table names another table)\n");
    }

    @Test
    void deadLettersOnAPostgresqlServerThatIsNotThereSayTheyCouldNotConnect() throws Exception {
        environment.put("PGPASSWORD_FOR_TEST", PASSWORD);

        int status = run("dead-letters", "list", "--jdbc-url", "jdbc:postgresql://127.0.0.1:" + closedPort() + "/app",
                "--user", "app", "--password-env", "PGPASSWORD_FOR_TEST");

        assertThat(status).isEqualTo(1);
        assertThat(err()).startsWith("refold-webhooks-cli: could not connect to the database: Connection to"
                + " 127.0.0.1:").contains("refused").endsWith("(SQL state 08001)\n").doesNotContain(PASSWORD);
    }

    static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
