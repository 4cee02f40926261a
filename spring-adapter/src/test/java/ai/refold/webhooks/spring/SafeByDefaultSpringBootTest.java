package ai.refold.webhooks.spring;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.test.SamplePayloads;
import ai.refold.webhooks.test.hardening.RawHttp;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The cases of issue 16 ("safe by default") that involve Spring, each a real application started with
 * {@link SpringApplication} on Tomcat (on Boot 3.5 here, on Boot 4.1 in {@code spring-adapter/boot4}), its console
 * output captured as a user would read it: the failure analysis printed, the key never printed.
 */
@ExtendWith(OutputCaptureExtension.class)
class SafeByDefaultSpringBootTest {

    private static final String KEY = "safe-by-default-test-key-7d41c9e2";

    // ---- 1. An unresolved placeholder becomes the signing key ----

    @Test
    void case1_anUnresolvedPlaceholderStopsStartupNamingThePropertyButNotTheValue(CapturedOutput output) {
        Throwable failure = catchThrowable(() -> run(HandlerApplication.class,
                "--refold.webhooks.keys.test=${REFOLD_API_KEY_THAT_IS_NOT_SET_9F2C}"));

        assertThat(failure).isNotNull();
        assertThat(output.getAll()).contains("APPLICATION FAILED TO START",
                "cannot use the API key in refold.webhooks.keys.test", "unresolved ${...} placeholder",
                "make sure that variable is set").doesNotContain("REFOLD_API_KEY_THAT_IS_NOT_SET_9F2C");
    }

    @Test
    void case1_aKeyWithWhiteSpaceStopsStartupWithoutPrintingIt(CapturedOutput output) {
        Throwable failure = catchThrowable(() -> run(HandlerApplication.class,
                "--refold.webhooks.keys.live=sk_live_51b0c3d9e7f2a4 pasted-with-a-space"));

        assertThat(failure).isNotNull();
        assertThat(output.getAll()).contains("refold.webhooks.keys.live", "white space")
                .doesNotContain("sk_live_51b0c3d9e7f2a4", "pasted-with-a-space");
    }

    @Test
    void case1_aKeyInQuotesStopsStartupWithoutPrintingIt(CapturedOutput output) {
        Throwable failure = catchThrowable(() -> run(HandlerApplication.class,
                "--refold.webhooks.keys.live=\"sk_live_51b0c3d9e7f2a4c8\""));

        assertThat(failure).isNotNull();
        assertThat(output.getAll()).contains("APPLICATION FAILED TO START", "refold.webhooks.keys.live", "quotes")
                .doesNotContain("sk_live_51b0c3d9e7f2a4c8");
    }

    @Test
    void case1_aShortKeyIsWarnedAboutByItsPropertyNeverByItsValue(CapturedOutput output) {
        try (ConfigurableApplicationContext context = run(HandlerApplication.class,
                "--refold.webhooks.keys.test=sk_tiny_9q")) {
            assertThat(output.getAll()).contains("refold.webhooks.keys.test is shorter than 16 characters")
                    .doesNotContain("sk_tiny_9q");
        }
    }

    // ---- 2. No handler, events acknowledged and lost ----

    @Test
    void case2_aHandlerOutsideComponentScanStopsStartupExplainingWhy(CapturedOutput output) {
        Throwable failure = catchThrowable(() -> run(NoScanApplication.class, "--refold.webhooks.keys.test=" + KEY));

        assertThat(failure).isNotNull();
        assertThat(output.getAll()).contains("APPLICATION FAILED TO START", "has no handler",
                "no bean has a @RefoldWebhook method", "component scanning", "@Component",
                "refold.webhooks.allow-no-handlers=true");
    }

    @Test
    void case2_allowedWithoutHandlersAnEventIsAcknowledgedAsIgnoredAndWarnedAbout(CapturedOutput output) {
        try (ConfigurableApplicationContext context = run(NoScanApplication.class,
                "--refold.webhooks.keys.test=" + KEY, "--refold.webhooks.allow-no-handlers=true")) {
            HttpResponse<String> response = new Http(port(context))
                    .deliver(SamplePayloads.of(EventType.WORKFLOW_ERRORED), KEY);

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("\"ignored\"");
            assertThat(output.getAll()).contains("acknowledged 1 Workflow Errored event",
                    "that no handler takes");
        }
    }

    @Test
    void startupLogsOneLineSayingWhereWhatAndHowButNoKey(CapturedOutput output) throws IOException {
        try (ConfigurableApplicationContext context = run(HandlerApplication.class,
                "--refold.webhooks.keys.test=" + KEY)) {
            assertThat(output.getAll()).contains("refold webhooks receiving on path=/webhooks/refold mode=endpoint"
                    + " keys=[test] handlers per event type={Connection Created=0, Connection Deleted=0,"
                    + " Connection Expired=0, Workflow Completed=0, Workflow Errored=1, unknown=0}"
                    + " store=InMemoryIdempotencyStore dispatch=synchronous maxBodyBytes=1048576"
                    + " readDeadline=PT10S bodyBudgetBytes=67108864").doesNotContain(KEY);
            // docs/spring-boot.md shows this application's line: it must be the line the defaults print.
            assertThat(documentedLine("docs/spring-boot.md", STARTUP_LINE)).isEqualTo(output.getAll().lines()
                    .filter(line -> line.contains(STARTUP_LINE)).findFirst()
                    .map(line -> line.substring(line.indexOf(STARTUP_LINE))).orElseThrow());
        }
    }

    private static final String STARTUP_LINE = "refold webhooks receiving on ";

    // The first line of a page of the project (found above the module's directory, spring-adapter or its boot4 run)
    // holding the marker, from the marker on.
    private static String documentedLine(String page, String marker) throws IOException {
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !Files.exists(root.resolve(page))) {
            root = root.getParent();
        }
        assertThat(root).as(page + " above " + Path.of("").toAbsolutePath()).isNotNull();
        return Files.readAllLines(root.resolve(page), StandardCharsets.UTF_8).stream()
                .filter(line -> line.contains(marker)).findFirst()
                .map(line -> line.substring(line.indexOf(marker))).orElseThrow();
    }

    // ---- 3. The key is printed on a natural mistake ----

    @Test
    void case3_aKeyGivenToTheMapOnTheCommandLineFailsBindingWithoutBeingPrinted(CapturedOutput output) {
        Throwable failure = catchThrowable(() -> run(HandlerApplication.class,
                "--refold.webhooks.keys=sk_live_4f9a2c7e1b3d5f8a0c2e4b6d"));

        assertThat(failure).isNotNull();
        assertThat(output.getAll()).contains("APPLICATION FAILED TO START",
                "Failed to bind properties under 'refold.webhooks.keys'", "not shown: it may be a Refold API key",
                "refold.webhooks.keys.live=${REFOLD_LIVE_API_KEY}", "REFOLD_WEBHOOKS_KEYS_LIVE")
                .doesNotContain("sk_live_4f9a2c7e1b3d5f8a0c2e4b6d");
    }

    @Test
    void case3_aKeyGivenToTheMapInTheEnvironmentFailsBindingWithoutBeingPrinted(CapturedOutput output) {
        ApplicationContextInitializer<ConfigurableApplicationContext> environment = context -> context
                .getEnvironment().getPropertySources().addFirst(new SystemEnvironmentPropertySource(
                        "test-" + "systemEnvironment", Map.of("REFOLD_WEBHOOKS_KEYS", "sk_live_8e1d3c5b7a9f2e4d6c")));

        Throwable failure = catchThrowable(() -> run(HandlerApplication.class, environment));

        assertThat(failure).isNotNull();
        assertThat(output.getAll()).contains("Failed to bind properties under 'refold.webhooks.keys'",
                "REFOLD_WEBHOOKS_KEYS").doesNotContain("sk_live_8e1d3c5b7a9f2e4d6c");
    }

    // ---- 6. Noise ----

    @Test
    void case6_probesAreNotAWarningEachButOneSummary(CapturedOutput output) {
        try (ConfigurableApplicationContext context = run(HandlerApplication.class,
                "--refold.webhooks.keys.test=" + KEY)) {
            Http http = new Http(port(context));
            for (int i = 0; i < 3; i++) {
                assertThat(http.send("POST", "/webhooks/refold", "{}".getBytes(), null).statusCode()).isEqualTo(401);
                assertThat(http.send("GET", "/webhooks/refold", null, null).statusCode()).isEqualTo(405);
            }

            String log = output.getAll();
            assertThat(log).containsOnlyOnce("before verifying a signature")
                    .contains("refold refused 1 request before verifying a signature")
                    .doesNotContain("refold delivery outcome=signature_missing", "outcome=method_not_allowed");
        }
    }

    // ---- 7. Flaky build: Tomcat sent 100 Continue at once ----

    @Test
    void case7_anOversizedBodyWithExpectContinueIsRefusedBeforeTheUpload() throws Exception {
        try (ConfigurableApplicationContext context = run(HandlerApplication.class,
                "--refold.webhooks.keys.test=" + KEY)) {
            URI endpoint = URI.create("http://127.0.0.1:" + port(context) + "/webhooks/refold");
            byte[] body = new byte[2 << 20];

            RawHttp.Response response = RawHttp.sendExpectingContinue(endpoint, "POST /webhooks/refold HTTP/1.1\r\n"
                    + "Host: 127.0.0.1\r\nConnection: close\r\nContent-Length: " + body.length
                    + "\r\nx-cobalt-signature: " + "0".repeat(64), body);

            assertThat(response.status()).isEqualTo(413);
            assertThat(response.continued()).as("100 Continue before the refusal").isFalse();
        }
    }

    @Test
    void case7_aValidDeliveryWithExpectContinueIsInvitedReadAndProcessed() throws Exception {
        try (ConfigurableApplicationContext context = run(HandlerApplication.class,
                "--refold.webhooks.keys.test=" + KEY)) {
            URI endpoint = URI.create("http://127.0.0.1:" + port(context) + "/webhooks/refold");
            byte[] body = SamplePayloads.of(EventType.WORKFLOW_ERRORED);

            RawHttp.Response response = RawHttp.sendExpectingContinue(endpoint, "POST /webhooks/refold HTTP/1.1\r\n"
                    + "Host: 127.0.0.1\r\nConnection: close\r\nContent-Length: " + body.length
                    + "\r\nx-cobalt-signature: " + ai.refold.webhooks.test.TestDeliveries.withKey(KEY).signature(body),
                    body);

            assertThat(response.continued()).isTrue();
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).contains("\"processed\"");
        }
    }

    private static ConfigurableApplicationContext run(Class<?> application, String... args) {
        return run(application, context -> { }, args);
    }

    private static ConfigurableApplicationContext run(Class<?> application,
                                                      ApplicationContextInitializer<ConfigurableApplicationContext>
                                                              initializer, String... args) {
        SpringApplication app = new SpringApplication(application);
        app.setWebApplicationType(WebApplicationType.SERVLET);
        app.addInitializers(initializer);
        String[] all = new String[args.length + 2];
        all[0] = "--server.port=0";
        all[1] = "--server.address=127.0.0.1";
        System.arraycopy(args, 0, all, 2, args.length);
        return app.run(all);
    }

    private static int port(ConfigurableApplicationContext context) {
        return Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
    }

    /** An application with one handler bean, declared with @Bean. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class HandlerApplication {
        @Bean
        ErroredHandler erroredHandler() {
            return new ErroredHandler();
        }
    }

    /** An application that scans no component, so {@link OutsideHandler} is never a bean. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class NoScanApplication {
    }

    static class ErroredHandler {
        @RefoldWebhook
        void onErrored(WorkflowErrored event) {
        }
    }

    /** A handler class the user meant to register, but that no component scan reaches. */
    @Component
    static class OutsideHandler {
        @RefoldWebhook
        void onErrored(WorkflowErrored event) {
        }
    }
}
