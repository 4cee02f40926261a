package ai.refold.webhooks.examples.demo;

import ai.refold.webhooks.examples.ExampleKeys;
import ai.refold.webhooks.examples.servlet.ServletReceiverApp;

import java.util.Arrays;

/**
 * The README's first command: starts the example receiver on localhost, plays the demo script against it and
 * exits with 0 only if every delivery had the expected outcome. {@code --keep-running} leaves the receiver up
 * afterwards so that a person can send more with the sender tool.
 */
public final class DemoMain {

    private DemoMain() {
    }

    public static void main(String[] args) throws Exception {
        boolean keepRunning = Arrays.asList(args).contains("--keep-running");
        int port = keepRunning ? 8080 : 0;
        ServletReceiverApp app = ServletReceiverApp.start(port, ExampleKeys.DEMO_KEY);
        boolean ok;
        try {
            String base = "http://127.0.0.1:" + app.port();
            System.out.println("Example receiver listening on " + base + "/webhooks/refold (demo key)");
            System.out.println();
            ok = new Demo(base).run(System.out);
            if (keepRunning) {
                System.out.println();
                System.out.println("Still receiving at " + base + "/webhooks/refold; handled events at " + base
                        + "/events. Press Ctrl+C to stop.");
                Thread.currentThread().join();
            }
        } finally {
            app.close();
        }
        System.exit(ok ? 0 : 1);
    }
}
