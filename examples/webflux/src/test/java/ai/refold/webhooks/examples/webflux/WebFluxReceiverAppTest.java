package ai.refold.webhooks.examples.webflux;

import ai.refold.webhooks.examples.ExampleKeys;
import ai.refold.webhooks.examples.ProcessedEvents;
import ai.refold.webhooks.examples.demo.Demo;

import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.reactive.context.ReactiveWebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo script of the README's first command, played against the WebFlux example receiver on Reactor Netty. */
class WebFluxReceiverAppTest {

    @Test
    void theDemoScriptGetsEveryExpectedOutcomeFromTheWebFluxReceiver() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(WebFluxReceiverApp.class).run(
                "--server.port=0", "--refold.webhooks.keys.test=" + ExampleKeys.DEMO_KEY,
                "--spring.main.banner-mode=off", "--logging.level.root=warn")) {
            boolean ok = new Demo("http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port"))
                    .run(new PrintStream(printed, true, StandardCharsets.UTF_8));

            String table = printed.toString(StandardCharsets.UTF_8);
            assertThat(ok).as(table).isTrue();
            assertThat(table).contains("All 10 deliveries had the expected outcome.")
                    .contains("signature_mismatch").contains("invalid_payload").contains("duplicate");
            assertThat(app.getBean(ProcessedEvents.class).entries()).hasSize(6)
                    .extracting(ProcessedEvents.Entry::action)
                    .contains("asked account 12345 to reconnect pipedrive");
            assertThat(app).isInstanceOf(ReactiveWebServerApplicationContext.class);
            assertThat(((ReactiveWebServerApplicationContext) app).getWebServer().getClass().getSimpleName())
                    .isEqualTo("NettyWebServer");
        }
    }
}
