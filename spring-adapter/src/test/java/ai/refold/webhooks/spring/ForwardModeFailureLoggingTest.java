package ai.refold.webhooks.spring;

import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.servlet.RefoldWebhookFilter;
import ai.refold.webhooks.test.SamplePayloads;

import jakarta.servlet.DispatcherType;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The servlet filter's forward mode under Spring Boot, the filter registered by the application: when the controller
 * throws, the failure goes on to the container (Tomcat logs it with its stack trace and Boot answers its error page,
 * 500), and the SDK's delivery line records the outcome and names the failure without printing the stack trace a
 * second time. Both loggers write to the one output captured here, as a user reads it.
 */
@ExtendWith(OutputCaptureExtension.class)
class ForwardModeFailureLoggingTest {

    private static final String KEY = "forward-mode-logging-key-5c2e81d4";
    // A frame of the controller's, which only a stack trace of its exception prints.
    private static final Pattern CONTROLLER_FRAME =
            Pattern.compile("(?m)^\\s+at " + Pattern.quote(BrokenController.class.getName()) + "\\.process\\(");

    @Test
    void aFailureTheApplicationThrowsIsLoggedWithItsStackTraceOnceAndTheDeliveryLineRecordsIt(CapturedOutput output) {
        SpringApplication app = new SpringApplication(ForwardApplication.class);
        app.setWebApplicationType(WebApplicationType.SERVLET);
        try (ConfigurableApplicationContext context = app.run("--server.port=0", "--server.address=127.0.0.1",
                "--refold.webhooks.keys.test=" + KEY, "--refold.webhooks.allow-no-handlers=true")) {
            int port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
            int before = output.getAll().length();

            HttpResponse<String> response = new Http(port).deliver(SamplePayloads.of(EventType.WORKFLOW_ERRORED), KEY);

            assertThat(response.statusCode()).as("Boot's error page for the exception").isEqualTo(500);
            String log = output.getAll().substring(before);
            assertThat(count(CONTROLLER_FRAME.matcher(log))).as("stack traces of the failure in:%n%s", log)
                    .isEqualTo(1);
            assertThat(log).as("the container's log of it").contains("threw exception");
            assertThat(log).containsOnlyOnce("refold delivery outcome=handler_failed status=500")
                    .contains("failure=\"jakarta.servlet.ServletException: Request processing failed:"
                            + " java.lang.IllegalStateException: inventory service is down");
        }
    }

    private static int count(Matcher matcher) {
        int found = 0;
        while (matcher.find()) {
            found++;
        }
        return found;
    }

    /** An application whose own servlet (its controller) processes the deliveries the filter verified. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class ForwardApplication {

        // Replaces the starter's filter, in endpoint mode, by one in forward mode on the same receiver.
        @Bean
        FilterRegistrationBean<RefoldWebhookFilter> refoldWebhookFilterRegistration(WebhookReceiver receiver) {
            FilterRegistrationBean<RefoldWebhookFilter> registration = new FilterRegistrationBean<>(
                    RefoldWebhookFilter.builder(receiver).mode(RefoldWebhookFilter.Mode.FORWARD).build());
            registration.addUrlPatterns(RefoldWebhookFilter.DEFAULT_PATH);
            registration.setDispatcherTypes(DispatcherType.REQUEST);
            registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
            return registration;
        }

        // The controller behind the filter is the application's: the signature is its authentication.
        @Bean
        SecurityFilterChain security(HttpSecurity http) throws Exception {
            return http.authorizeHttpRequests(requests -> requests
                            .requestMatchers(RefoldWebhookFilter.DEFAULT_PATH, "/error").permitAll()
                            .anyRequest().authenticated())
                    .csrf(csrf -> csrf.ignoringRequestMatchers(RefoldWebhookFilter.DEFAULT_PATH))
                    .build();
        }

        @Bean
        BrokenController brokenController() {
            return new BrokenController();
        }
    }

    @RestController
    static class BrokenController {
        @PostMapping(RefoldWebhookFilter.DEFAULT_PATH)
        String process() {
            throw new IllegalStateException("inventory service is down");
        }
    }
}
