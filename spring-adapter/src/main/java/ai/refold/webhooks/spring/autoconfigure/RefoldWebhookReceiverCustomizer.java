package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.WebhookReceiver;

/**
 * Adjusts the auto-configured {@link WebhookReceiver} before it is built: register extra handlers, set the clock,
 * replace the idempotency key extractor. Customizer beans run in {@code @Order}, after the properties are applied.
 */
@FunctionalInterface
public interface RefoldWebhookReceiverCustomizer {

    /**
     * Customizes {@code builder}.
     *
     * @param builder the receiver's builder, with the properties and the {@code @RefoldWebhook} methods applied
     */
    void customize(WebhookReceiver.Builder builder);
}
