package ai.refold.webhooks.spring;

import ai.refold.webhooks.event.WorkflowErrored;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A body that stalls after {@code Expect: 100-continue}, on Spring Boot's embedded Tomcat: the first read of such a
 * request blocks (Tomcat sends 100 Continue only to a blocking read), and only Tomcat's {@code connectionTimeout}
 * ends it, with {@code sendError(408)}, whether or not the receiver's read deadline has answered meanwhile. Tomcat
 * then dispatches to Boot's error page, {@code /error}, which Spring Security's defaults guard: the sender got 401 (an
 * empty body with {@code WWW-Authenticate: Basic}), as if its signature had failed, although the docs say the
 * signature is all the authentication the webhook path needs. The starter maps its filter to that error dispatch too,
 * and the filter answers it as the delivery: 408 {@code read_timeout}, with no stack trace, exception or SDK class in
 * the body, also with the error page told to include them all (as during development).
 */
@Timeout(60)
class StalledBodyOverSpringBootTest {

    private static final String KEY = "stalled-body-test-key-0f3a9c7e21";

    // Tomcat's timeout first (2 s, the read deadline a minute away), with and without an error page that shows all;
    // then the read deadline first (1 s, Tomcat's timeout 3 s), as with the documented settings (10 s each, the
    // deadline counted from the headers): its timer answers while the read blocks, and Tomcat's timeout then ends it.
    @ParameterizedTest(name = "read deadline {0}, connection timeout {1}, error page shows all: {2}")
    @CsvSource({"1m, 2s, false", "1m, 2s, true", "1s, 3s, false"})
    void aBlockingBodyReadEndedByTomcatsTimeoutIsAnsweredWithTheDeliverys408(String readDeadline,
                                                                              String connectionTimeout,
                                                                              boolean errorPageShowsAll)
            throws Exception {
        SpringApplication app = new SpringApplication(StalledBodyApplication.class);
        app.setWebApplicationType(WebApplicationType.SERVLET);
        List<String> args = new ArrayList<>(List.of("--server.port=0", "--server.address=127.0.0.1",
                "--refold.webhooks.keys.test=" + KEY, "--refold.webhooks.read-deadline=" + readDeadline,
                "--server.tomcat.connection-timeout=" + connectionTimeout));
        if (errorPageShowsAll) {
            args.addAll(List.of("--server.error.include-stacktrace=always", "--server.error.include-exception=true",
                    "--server.error.include-message=always"));
        }
        try (ConfigurableApplicationContext context = app.run(args.toArray(String[]::new));
             Socket socket = new Socket("127.0.0.1",
                     Integer.parseInt(context.getEnvironment().getProperty("local.server.port")))) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(("POST /webhooks/refold HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Type: application/json\r\nx-cobalt-signature: " + "ab".repeat(32) + "\r\n"
                    + "Expect: 100-continue\r\nContent-Length: 100\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            long start = System.nanoTime();
            String answers = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            Duration waited = Duration.ofNanos(System.nanoTime() - start);

            assertThat(answers).as("invited, then answered").startsWith("HTTP/1.1 100");
            String answer = answers.substring(answers.indexOf("\r\n\r\n") + 4);
            assertThat(answer).as(answer).startsWith("HTTP/1.1 408").contains("Connection: close",
                    "application/json", "{\"status\":\"read_timeout\"");
            assertThat(answer).doesNotContain("WWW-Authenticate", "Exception", "exception", "trace", "at org.",
                    "at java.", "ai.refold", "org.apache");
            assertThat(waited).as("answered once Tomcat's connectionTimeout ended the read")
                    .isBetween(Duration.ofMillis(1_500), Duration.ofSeconds(20));
        }
    }

    /** An application with one handler, receiving on the starter's filter, with Spring Security's defaults. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class StalledBodyApplication {
        @Bean
        ErroredHandler erroredHandler() {
            return new ErroredHandler();
        }
    }

    static class ErroredHandler {
        @RefoldWebhook
        void onErrored(WorkflowErrored event) {
        }
    }
}
