package ai.refold.webhooks.examples;

import ai.refold.webhooks.examples.demo.Demo;
import ai.refold.webhooks.examples.demo.DemoMain;
import ai.refold.webhooks.examples.servlet.ServletReceiverApp;

import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class DemoTest {

    @Test
    void theDemoScriptGetsEveryExpectedOutcomeFromTheSpringBootReceiver() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (ConfigurableApplicationContext app = DemoMain.startSpringReceiver(0)) {
            boolean ok = new Demo("http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port"))
                    .run(new PrintStream(printed, true, StandardCharsets.UTF_8));

            String table = printed.toString(StandardCharsets.UTF_8);
            assertThat(ok).as(table).isTrue();
            assertThat(table).contains("All 10 deliveries had the expected outcome.");
            assertThat(app.getBean(ProcessedEvents.class).entries()).hasSize(6)
                    .extracting(ProcessedEvents.Entry::action)
                    .contains("asked account 12345 to reconnect pipedrive");
        }
    }

    @Test
    void theDemoScriptGetsEveryExpectedOutcomeFromTheServletReceiver() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (ServletReceiverApp app = ServletReceiverApp.start(0, ExampleKeys.DEMO_KEY)) {
            boolean ok = new Demo("http://127.0.0.1:" + app.port())
                    .run(new PrintStream(printed, true, StandardCharsets.UTF_8));

            String table = printed.toString(StandardCharsets.UTF_8);
            assertThat(ok).as(table).isTrue();
            assertThat(table).contains("All 10 deliveries had the expected outcome.")
                    .contains("signature_mismatch").contains("invalid_payload").contains("duplicate");
            // Five samples plus exactly one of the two simultaneous copies reached a handler.
            assertThat(app.processed().entries()).hasSize(6);
        }
    }
}
