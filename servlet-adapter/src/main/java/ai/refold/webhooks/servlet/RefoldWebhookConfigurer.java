package ai.refold.webhooks.servlet;

import ai.refold.webhooks.WebhookReceiver;

/**
 * Completes the receiver of a filter declared in {@code web.xml}: registers handlers, sets the idempotency store.
 * Name the implementing class in the filter's {@code configurer} init-parameter; it needs a public constructor
 * without arguments. Signing keys, path, mode and body limit come from the other init-parameters.
 */
@FunctionalInterface
public interface RefoldWebhookConfigurer {

    /**
     * Adds handlers and settings to {@code receiver}, which already holds the signing keys.
     *
     * @param receiver the builder of the filter's receiver; the filter builds it after this method returns
     */
    void configure(WebhookReceiver.Builder receiver);
}
