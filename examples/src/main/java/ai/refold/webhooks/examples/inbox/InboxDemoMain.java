package ai.refold.webhooks.examples.inbox;

import ai.refold.webhooks.examples.ExampleKeys;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import java.util.ArrayList;
import java.util.List;

/**
 * The inbox demo ({@code mvn -B -q -pl examples -am compile exec:exec@inbox-demo}): starts {@link InboxReceiverApp}
 * on a free port of 127.0.0.1 with short retries, plays {@link InboxDemo} against it and exits with 0 only if every
 * step had the expected outcome.
 */
public final class InboxDemoMain {

    /**
     * What turns the inbox on, as an application would write it in application.properties. The retries are
     * seconds apart here so that the demo runs in seconds; the defaults space 20 attempts over days.
     */
    public static final List<String> PROPERTIES = List.of(
            "refold.webhooks.inbox.enabled=true",
            "refold.webhooks.inbox.store=jdbc",
            "refold.webhooks.inbox.jdbc.create-table=true",
            "refold.webhooks.inbox.poll-interval=100ms",
            "refold.webhooks.inbox.retry.max-attempts=3",
            "refold.webhooks.inbox.retry.initial-backoff=200ms",
            "refold.webhooks.inbox.retry.max-backoff=400ms",
            "management.endpoints.web.exposure.include=health,refoldinbox",
            "management.endpoint.health.show-details=always");

    private InboxDemoMain() {
    }

    public static void main(String[] args) throws Exception {
        boolean ok;
        try (ConfigurableApplicationContext app = startInboxReceiver()) {
            String base = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port");
            System.out.println("Spring Boot receiver in inbox mode on " + base + "/webhooks/refold (demo key "
                    + ExampleKeys.DEMO_KEY + ")");
            System.out.println("inbox: table refold_webhook_inbox on H2, 3 attempts with backoff up to 400ms,"
                    + " dead letters at " + base + "/actuator/refoldinbox");
            System.out.println();
            ok = demo(app, base).run(System.out);
        }
        System.exit(ok ? 0 : 1);
    }

    /** Returns the demo wired to a receiver started by {@link #startInboxReceiver()}. */
    public static InboxDemo demo(ConfigurableApplicationContext app, String base) {
        InboxDemoHandlers handlers = app.getBean(InboxDemoHandlers.class);
        return new InboxDemo(base, app.getBean(InboxTimeline.class), handlers::fixMailer);
    }

    /** Starts the inbox receiver on 127.0.0.1 and a free port with the demo key, quietly. */
    public static ConfigurableApplicationContext startInboxReceiver() {
        List<String> args = new ArrayList<>(List.of(
                "--server.port=0",
                "--refold.webhooks.keys.test=" + ExampleKeys.DEMO_KEY,
                "--spring.main.banner-mode=off",
                "--logging.level.root=warn",
                // the demo prints every attempt; the workers' own log lines would repeat them
                "--logging.level.ai.refold.webhooks.delivery=off"));
        PROPERTIES.forEach(property -> args.add("--" + property));
        return new SpringApplicationBuilder(InboxReceiverApp.class).run(args.toArray(String[]::new));
    }
}
