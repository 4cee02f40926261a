/**
 * Registers webhooks with Refold's Create Webhook API ({@code POST /api/v2/public/webhook}), so receiver teams
 * can script one subscription per environment instead of hand-writing the request.
 *
 * <p>{@link ai.refold.webhooks.subscription.WebhookSubscription} is the validated request,
 * {@link ai.refold.webhooks.subscription.RefoldWebhooksClient} sends it with one API key, and the answer is a
 * {@link ai.refold.webhooks.subscription.CreatedWebhook} or a
 * {@link ai.refold.webhooks.subscription.RefoldApiException} carrying a reason.
 */
package ai.refold.webhooks.subscription;
