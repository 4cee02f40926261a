package ai.refold.webhooks.cli;

import ai.refold.webhooks.subscription.CreatedWebhook;
import ai.refold.webhooks.subscription.RefoldApiException;
import ai.refold.webhooks.subscription.RefoldWebhooksClient;
import ai.refold.webhooks.subscription.WebhookSubscription;

import java.util.Set;
import java.util.function.Function;

/** The {@code register} command: creates a webhook with Refold's Create Webhook API. */
final class Registration {

    static final Arguments.Syntax REGISTER = new Arguments.Syntax("register", Set.of("url", "events", "key",
            "key-env", "type", "method", "slug", "workflow-ids", "body-template", "base-uri"), Set.of(), 0);

    private Registration() {
    }

    static int register(Arguments arguments, Function<String, String> environment, Output output) {
        WebhookSubscription subscription;
        RefoldWebhooksClient client;
        try { // the builders check every field before anything is sent
            WebhookSubscription.Builder builder = WebhookSubscription.builder().url(arguments.required("url"));
            for (String event : arguments.required("events").split(",")) {
                builder.event(event.trim());
            }
            arguments.value("type").ifPresent(builder::payloadType);
            arguments.value("method").ifPresent(builder::method);
            arguments.value("slug").ifPresent(builder::slug);
            arguments.value("body-template").ifPresent(builder::bodyTemplate);
            arguments.value("workflow-ids").ifPresent(ids -> {
                for (String id : ids.split(",")) {
                    builder.workflowId(id.trim());
                }
            });
            subscription = builder.build();
            RefoldWebhooksClient.Builder clientBuilder = RefoldWebhooksClient.builder()
                    .apiKey(Inputs.apiKey(arguments, environment, output));
            arguments.value("base-uri").ifPresent(base -> clientBuilder.baseUri(Inputs.httpUrl(arguments, "base-uri",
                    base)));
            client = clientBuilder.build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new UsageException(e.getMessage());
        }
        try {
            CreatedWebhook created = client.createWebhook(subscription);
            output.line("created webhook " + created.id() + " in " + created.environment() + " for "
                    + created.events() + " -> " + created.method() + " " + Redacted.url(created.url()));
            return RefoldWebhooksCli.OK;
        } catch (RefoldApiException e) {
            // Refold's words may quote the webhook URL, which may carry a token: shown without it
            throw new CommandFailure(Redacted.in(describe(e, client), subscription.url()));
        }
    }

    // What went wrong, and whether a webhook may exist now: the API is not idempotent, so that matters.
    private static String describe(RefoldApiException e, RefoldWebhooksClient client) {
        return switch (e.reason()) {
            case BAD_REQUEST -> "Refold refused the subscription: " + e.getMessage();
            case UNAUTHORIZED -> "Refold did not accept the API key (401): check the key and its environment";
            case FORBIDDEN -> "this API key may not create webhooks (403)";
            case SERVER_ERROR -> e.getMessage() + "; Refold failed, try again later (a webhook may have been created)";
            case NETWORK -> Network.neverConnected(e)
                    ? Network.describe(client.endpoint(), e.getCause()) + "; no webhook was created"
                    : Network.describe(client.endpoint(), e.getCause()) + "; a webhook may have been created";
            case TIMEOUT, UNEXPECTED_RESPONSE -> e.getMessage();
            case INTERRUPTED -> "interrupted while waiting for Refold";
        };
    }
}
