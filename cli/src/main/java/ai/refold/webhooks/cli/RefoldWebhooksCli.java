package ai.refold.webhooks.cli;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.signature.SignatureScheme;
import ai.refold.webhooks.signature.SigningKey;
import ai.refold.webhooks.signature.WebhookSigner;
import ai.refold.webhooks.subscription.CreatedWebhook;
import ai.refold.webhooks.subscription.RefoldApiException;
import ai.refold.webhooks.subscription.RefoldWebhooksClient;
import ai.refold.webhooks.subscription.WebhookSubscription;
import ai.refold.webhooks.test.SamplePayloads;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A command-line tool that plays Refold against a receiver: signs a payload (a documented sample by name, or a
 * file) with a key and sends it. Its {@code register} command subscribes a URL with Refold's Create Webhook API.
 *
 * <pre>
 * mvn -q -pl examples -am compile exec:exec@sender -Dsender.args="send --url http://127.0.0.1:8080/webhooks/refold --key demo-key-not-a-real-refold-api-key --sample workflow-errored"
 * </pre>
 */
public final class RefoldWebhooksCli {

    static final String USAGE = String.join("\n",
            "usage: sender send --url URL --key API_KEY (--sample NAME | --file PATH) [--method POST|PUT|PATCH]",
            "                   [--header NAME] [--prefix TEXT]",
            "       sender register --key API_KEY --url WEBHOOK_URL --events \"Workflow Errored,Connection Expired\"",
            "                   [--type default|slack|custom] [--method POST|PUT|PATCH] [--slug APP]",
            "                   [--workflow-ids ID,ID] [--body-template TEXT] [--base-uri https://app.refold.ai]",
            "  samples: " + Arrays.stream(EventType.values()).map(RefoldWebhooksCli::sampleName)
                    .collect(Collectors.joining(", ")),
            "  the key may also come from the REFOLD_API_KEY environment variable instead of --key");

    private RefoldWebhooksCli() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.getenv("REFOLD_API_KEY"), System.out, System.err));
    }

    /** Runs the command; returns the process exit status (0 when the receiver answered 200). */
    static int run(String[] args, String environmentKey, PrintStream out, PrintStream err) {
        if (args.length == 0 || !(args[0].equals("send") || args[0].equals("register"))) {
            err.println(USAGE);
            return 2;
        }
        Map<String, String> options;
        try {
            options = options(args);
            String url = required(options, "url");
            String key = options.getOrDefault("key", environmentKey);
            if (key == null || key.isBlank()) {
                throw new IllegalArgumentException("--key (or REFOLD_API_KEY) is required");
            }
            if (args[0].equals("register")) {
                return register(options, url, key, out, err);
            }
            byte[] body = body(options);
            String method = options.getOrDefault("method", "POST").toUpperCase(Locale.ROOT);
            SignatureScheme scheme = SignatureScheme.header(options.getOrDefault("header",
                    SignatureScheme.REFOLD_HEADER)).withPrefix(options.getOrDefault("prefix", ""));
            String signature = WebhookSigner.of(SigningKey.of("sender", key), scheme).sign(body);
            DeliverySender.Response response = new DeliverySender().send(URI.create(url), method, body,
                    scheme.headerName(), signature);
            out.println("HTTP " + response.status());
            out.println(response.body());
            return response.status() == 200 ? 0 : 1;
        } catch (IllegalArgumentException | IllegalStateException e) { // a bad option, or a required one missing
            err.println("sender: " + e.getMessage());
            err.println(USAGE);
            return 2;
        } catch (IOException e) {
            err.println("sender: could not send: " + e);
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    // Creates a subscription with Refold's Create Webhook API.
    private static int register(Map<String, String> options, String url, String key, PrintStream out,
                                PrintStream err) {
        WebhookSubscription.Builder subscription = WebhookSubscription.builder().url(url);
        for (String event : required(options, "events").split(",")) {
            subscription.event(event.trim());
        }
        if (options.containsKey("type")) {
            subscription.payloadType(options.get("type"));
        }
        if (options.containsKey("method")) {
            subscription.method(options.get("method"));
        }
        if (options.containsKey("slug")) {
            subscription.slug(options.get("slug"));
        }
        if (options.containsKey("body-template")) {
            subscription.bodyTemplate(options.get("body-template"));
        }
        if (options.containsKey("workflow-ids")) {
            for (String id : options.get("workflow-ids").split(",")) {
                subscription.workflowId(id.trim());
            }
        }
        RefoldWebhooksClient.Builder client = RefoldWebhooksClient.builder().apiKey(key);
        if (options.containsKey("base-uri")) {
            client.baseUri(URI.create(options.get("base-uri")));
        }
        try {
            CreatedWebhook created = client.build().createWebhook(subscription.build());
            out.println("created webhook " + created.id() + " in " + created.environment() + " for "
                    + created.events() + " -> " + created.method() + " " + created.url());
            return 0;
        } catch (RefoldApiException e) {
            err.println("sender: Refold refused the subscription (" + e.reason() + "): " + e.getMessage());
            return 1;
        }
    }

    static String sampleName(EventType type) {
        return type.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static byte[] body(Map<String, String> options) throws IOException {
        String sample = options.get("sample");
        String file = options.get("file");
        if ((sample == null) == (file == null)) {
            throw new IllegalArgumentException("give exactly one of --sample and --file");
        }
        if (file != null) {
            return Files.readAllBytes(Path.of(file));
        }
        for (EventType type : EventType.values()) {
            if (sampleName(type).equals(sample)) {
                return SamplePayloads.of(type);
            }
        }
        throw new IllegalArgumentException("unknown sample '" + sample + "'");
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 1; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --option value pairs, got '" + args[i] + "'");
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        return options;
    }

    private static String required(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return value;
    }
}
