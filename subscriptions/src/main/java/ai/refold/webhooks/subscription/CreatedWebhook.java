package ai.refold.webhooks.subscription;

import ai.refold.webhooks.event.EventType;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A webhook as Refold created it: the answer of the Create Webhook API. Fields Refold adds later are ignored.
 *
 * @param id           the webhook's {@code _id}, needed to change or remove it later
 * @param orgId        the owning org ({@code org_id})
 * @param environment  {@code "test"} or {@code "live"}: the environment of the API key that created it
 * @param enabled      whether the webhook is active ({@code is_enabled})
 * @param events       the subscribed event names as Refold returned them ({@code webhook_events})
 * @param url          the delivery URL ({@code webhook_url})
 * @param type         the payload format ({@code webhook_type}), for example {@code "default"}
 * @param method       the delivery method, for example {@code "POST"}
 * @param bodyTemplate the payload template ({@code webhook_body}); a template that is not a JSON string is kept
 *                     as its JSON text
 * @param workflowIds  the workflows events are restricted to; empty if not restricted
 * @param createdAt    when the webhook was created ({@code createdAt})
 */
public record CreatedWebhook(
        String id,
        String orgId,
        String environment,
        boolean enabled,
        List<String> events,
        String url,
        String type,
        String method,
        String bodyTemplate,
        List<String> workflowIds,
        Instant createdAt) {

    /**
     * Validates and copies the components.
     *
     * @param id           the webhook's {@code _id}
     * @param orgId        the owning org ({@code org_id})
     * @param environment  {@code "test"} or {@code "live"}
     * @param enabled      whether the webhook is active ({@code is_enabled})
     * @param events       the subscribed event names as Refold returned them; copied
     * @param url          the delivery URL ({@code webhook_url})
     * @param type         the payload format ({@code webhook_type})
     * @param method       the delivery method
     * @param bodyTemplate the payload template ({@code webhook_body})
     * @param workflowIds  the workflows events are restricted to; copied, and empty if not restricted
     * @param createdAt    when the webhook was created
     * @throws NullPointerException if a component is null or a list holds null
     */
    public CreatedWebhook {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(orgId, "orgId");
        Objects.requireNonNull(environment, "environment");
        events = List.copyOf(events);
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(bodyTemplate, "bodyTemplate");
        workflowIds = List.copyOf(workflowIds);
        Objects.requireNonNull(createdAt, "createdAt");
    }

    /** {@return the subscribed events this SDK knows, in Refold's order; names it does not know are left out} */
    public List<EventType> eventTypes() {
        List<EventType> types = new ArrayList<>(events.size());
        for (String name : events) {
            EventType.fromWireName(name).ifPresent(types::add);
        }
        return List.copyOf(types);
    }

    /** {@return whether the webhook belongs to the live environment} */
    public boolean isLive() {
        return "live".equals(environment);
    }
}
