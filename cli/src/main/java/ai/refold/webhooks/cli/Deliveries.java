package ai.refold.webhooks.cli;

import ai.refold.webhooks.signature.SignatureScheme;
import ai.refold.webhooks.signature.SigningKey;
import ai.refold.webhooks.signature.WebhookSigner;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/** The {@code send} and {@code sign} commands: a body signed with a key as Refold signs it. */
final class Deliveries {

    static final Arguments.Syntax SEND = new Arguments.Syntax("send",
            Set.of("url", "sample", "file", "key", "key-env", "method", "header", "prefix", "timeout"), Set.of(), 0);
    static final Arguments.Syntax SIGN = new Arguments.Syntax("sign",
            Set.of("sample", "file", "key", "key-env", "prefix"), Set.of(), 0);

    private static final Pattern METHOD = Pattern.compile("[A-Z]{1,20}");

    private Deliveries() {
    }

    /** Sends the signed body, prints the answer's status and body; 0 if the receiver answered 200, 1 otherwise. */
    static int send(Arguments arguments, Function<String, String> environment, Output output) {
        URI url = Inputs.httpUrl(arguments, "url", arguments.required("url"));
        Redacted.userInformation(url.toString(), output);
        String method = arguments.value("method").orElse("POST").toUpperCase(Locale.ROOT);
        if (!METHOD.matcher(method).matches()) {
            throw new UsageException("--method must be an HTTP method such as POST, PUT or PATCH");
        }
        SignatureScheme scheme = scheme(arguments, arguments.value("header").orElse(SignatureScheme.REFOLD_HEADER));
        checkSendable(method, scheme.headerName());
        byte[] body = Inputs.body(arguments);
        String key = Inputs.apiKey(arguments, environment, output);
        String signature = WebhookSigner.of(SigningKey.of("cli", key), scheme).sign(body);
        Duration timeout = arguments.value("timeout").map(Deliveries::seconds)
                .orElse(DeliverySender.DEFAULT_ANSWER_TIMEOUT);
        DeliverySender.Response response;
        try {
            response = new DeliverySender(timeout).send(url, method, body, scheme.headerName(), signature);
        } catch (HttpConnectTimeoutException e) {
            throw new CommandFailure("could not connect to " + url.getHost() + (url.getPort() < 0 ? "" : ":"
                    + url.getPort()) + " within " + DeliverySender.CONNECT_TIMEOUT.toSeconds() + " s; nothing was sent");
        } catch (HttpTimeoutException e) {
            throw new CommandFailure("no answer from " + Redacted.url(url) + " within " + timeout.toSeconds()
                    + " s; the receiver may still process the delivery");
        } catch (IOException e) {
            String problem = Network.describe(url, e);
            throw new CommandFailure(problem + (Network.neverConnected(e) ? "; nothing was sent"
                    : "; the receiver may have processed the delivery"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandFailure("interrupted while waiting for " + Redacted.url(url));
        }
        output.line("HTTP " + response.status());
        if (!response.body().isEmpty()) {
            output.line(response.body());
        }
        return response.status() == 200 ? RefoldWebhooksCli.OK : RefoldWebhooksCli.FAILED;
    }

    /** Prints the signature header's value for the body. */
    static int sign(Arguments arguments, Function<String, String> environment, Output output) {
        SignatureScheme scheme = scheme(arguments, SignatureScheme.REFOLD_HEADER);
        byte[] body = Inputs.body(arguments);
        String key = Inputs.apiKey(arguments, environment, output);
        output.line(WebhookSigner.of(SigningKey.of("cli", key), scheme).sign(body));
        return RefoldWebhooksCli.OK;
    }

    // The JDK's HTTP client refuses CONNECT and the headers it sets itself (Host, Content-Length, ...): a wrong command
    // line, found before anything is sent. Both names have passed a check of their shape, so they may be shown.
    private static void checkSendable(String method, String header) {
        try {
            HttpRequest.newBuilder().method(method, HttpRequest.BodyPublishers.noBody());
        } catch (IllegalArgumentException e) {
            throw new UsageException("--method " + method + " cannot carry a delivery");
        }
        try {
            HttpRequest.newBuilder().header(header, "0");
        } catch (IllegalArgumentException e) {
            throw new UsageException("--header " + header + " is a header the HTTP client sets itself");
        }
    }

    private static Duration seconds(String text) {
        try {
            long seconds = Long.parseLong(text);
            if (seconds > 0 && seconds <= 3600) {
                return Duration.ofSeconds(seconds);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException("--timeout must be a whole number of seconds from 1 to 3600, not '" + text + "'");
    }

    private static SignatureScheme scheme(Arguments arguments, String header) {
        String prefix = arguments.value("prefix").orElse("");
        if (!prefix.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            throw new UsageException("--prefix must be printable ASCII, as a header value is");
        }
        try {
            return SignatureScheme.header(header).withPrefix(prefix);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--header: " + e.getMessage());
        }
    }
}
