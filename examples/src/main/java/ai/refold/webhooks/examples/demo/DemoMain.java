package ai.refold.webhooks.examples.demo;

import ai.refold.webhooks.examples.ExampleKeys;
import ai.refold.webhooks.examples.spring.SpringReceiverApp;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import java.util.Arrays;

/**
 * The README's first command: starts the Spring Boot example receiver on localhost, plays the demo script against
 * it and exits with 0 only if every delivery had the expected outcome. {@code --keep-running} leaves the receiver
 * up on port 8080 afterwards so that a person can send more with the command-line tool.
 */
public final class DemoMain {

    private DemoMain() {
    }

    public static void main(String[] args) throws Exception {
        boolean keepRunning = Arrays.asList(args).contains("--keep-running");
        boolean ok;
        try (ConfigurableApplicationContext app = startSpringReceiver(keepRunning ? 8080 : 0)) {
            String base = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port");
            System.out.println("Spring Boot example receiver listening on " + base + "/webhooks/refold"
                    + " (demo key " + ExampleKeys.DEMO_KEY + ")");
            System.out.println();
            ok = new Demo(base).run(System.out);
            if (keepRunning) {
                System.out.println();
                System.out.println("Still receiving at " + base + "/webhooks/refold; handled events at " + base
                        + "/events. Press Ctrl+C to stop.");
                Thread.currentThread().join();
            }
        }
        System.exit(ok ? 0 : 1);
    }

    /** Starts the Spring Boot example on 127.0.0.1 with the demo key, quietly; port 0 picks a free one. */
    public static ConfigurableApplicationContext startSpringReceiver(int port) {
        return new SpringApplicationBuilder(SpringReceiverApp.class).run(
                "--server.port=" + port,
                "--refold.webhooks.keys.test=" + ExampleKeys.DEMO_KEY,
                "--spring.main.banner-mode=off",
                "--logging.level.root=warn",
                // the table says what happened to each delivery; the per-delivery log lines would repeat it
                "--logging.level.ai.refold.webhooks.delivery=error");
    }
}
