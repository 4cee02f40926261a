package ai.refold.webhooks.subscription;

import ai.refold.webhooks.event.EventType;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WebhookSubscriptionTest {

    private static WebhookSubscription.Builder valid() {
        return WebhookSubscription.builder().url("https://your-app.com/webhooks").event(EventType.WORKFLOW_ERRORED);
    }

    @Test
    void leavesEveryOptionalSettingUnsetByDefault() {
        WebhookSubscription subscription = valid().build();

        assertThat(subscription.payloadType()).isEmpty();
        assertThat(subscription.method()).isEmpty();
        assertThat(subscription.headers()).isEmpty();
        assertThat(subscription.bodyTemplate()).isEmpty();
        assertThat(subscription.slug()).isEmpty();
        assertThat(subscription.workflowIds()).isEmpty();
    }

    @Test
    void keepsEventsInTheOrderAddedWithoutRepeats() {
        WebhookSubscription subscription = WebhookSubscription.builder().url(URI.create("https://a.example/h"))
                .event(EventType.CONNECTION_EXPIRED)
                .event("Workflow Errored")
                .events(EventType.CONNECTION_EXPIRED, EventType.CONNECTION_CREATED)
                .build();

        assertThat(subscription.events()).containsExactly(
                EventType.CONNECTION_EXPIRED, EventType.WORKFLOW_ERRORED, EventType.CONNECTION_CREATED);
    }

    @Test
    void acceptsEveryDocumentedEventNameAndNoOther() {
        for (EventType type : EventType.values()) {
            assertThat(valid().event(type.wireName()).build().events()).contains(type);
        }
        assertThatThrownBy(() -> valid().event("workflow errored"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown event 'workflow errored'")
                .hasMessageContaining("Connection Created, Connection Deleted, Connection Expired, "
                        + "Workflow Completed, Workflow Errored");
    }

    @Test
    void acceptsOnlyHttpAndHttpsUrlsAsTheApiDoes() {
        assertThat(valid().url("http://localhost:8080/hooks").build().url()).isEqualTo("http://localhost:8080/hooks");
        for (String url : new String[] {"HTTPS://your-app.com/h", "https:/your-app.com", " https://your-app.com",
                "wss://your-app.com"}) {
            assertThatThrownBy(() -> valid().url(url)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("^https?://");
        }
        assertThatThrownBy(() -> valid().url("https://")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("webhook_url has no host after the scheme");
        assertThatThrownBy(() -> valid().url("https://your-app.com/a b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("white space");
    }

    @Test
    void refusesToBuildWithoutItsRequiredUrlOrEventAsIllegalState() {
        assertThatThrownBy(() -> WebhookSubscription.builder().event(EventType.WORKFLOW_ERRORED).build())
                .isInstanceOf(IllegalStateException.class).hasMessage("webhook_url is required");
        assertThatThrownBy(() -> WebhookSubscription.builder().url("https://your-app.com/webhooks").build())
                .isInstanceOf(IllegalStateException.class).hasMessage("webhook_events needs at least one event");
        assertThatThrownBy(() -> WebhookSubscription.builder().build())
                .isInstanceOf(IllegalStateException.class).hasMessage("webhook_url is required");
    }

    @Test
    void allowsOnlyWorkflowEventsWithASlug() {
        WebhookSubscription scoped = valid().event(EventType.WORKFLOW_COMPLETED).slug("hubspot").build();
        assertThat(scoped.slug()).hasValue("hubspot");

        assertThatThrownBy(() -> valid().events(EventType.CONNECTION_CREATED, EventType.CONNECTION_DELETED)
                .slug("hubspot").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("with a slug only workflow events are allowed; remove Connection Created, "
                        + "Connection Deleted");
    }

    @Test
    void readsPayloadTypesAndMethodsByTheirDocumentedNames() {
        WebhookSubscription subscription = valid().payloadType("slack").method("PUT").build();

        assertThat(subscription.payloadType()).hasValue(PayloadType.SLACK);
        assertThat(subscription.method()).hasValue(DeliveryMethod.PUT);
        assertThatThrownBy(() -> valid().payloadType("DEFAULT")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("webhook_type must be one of default, slack, custom, not 'DEFAULT'");
        assertThatThrownBy(() -> valid().method("post")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("method must be one of POST, PUT, PATCH, not 'post'");
    }

    @Test
    void refusesHeadersThatCouldSplitTheDeliveryRequestWithoutShowingTheirValues() {
        assertThatThrownBy(() -> valid().header("X-Token", "secret-value\r\nX-Evil: 1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("X-Token")
                .hasMessageNotContaining("secret-value");
        assertThatThrownBy(() -> valid().header("Bad Name", "v"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a valid header name");
    }

    @Test
    void refusesBlankOptionalValues() {
        assertThatThrownBy(() -> valid().slug(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> valid().bodyTemplate("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> valid().workflowIds("wf-1", "")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void isNotChangedByLaterChangesToItsBuilderOrInputs() {
        Map<String, String> headers = new HashMap<>(Map.of("X-Team", "payments"));
        WebhookSubscription.Builder builder = valid().headers(headers);
        WebhookSubscription built = builder.build();

        headers.put("X-Other", "1");
        builder.header("X-Later", "2").event(EventType.CONNECTION_CREATED);

        assertThat(built.headers()).containsOnlyKeys("X-Team");
        assertThat(built.events()).containsExactly(EventType.WORKFLOW_ERRORED);
        assertThatThrownBy(() -> built.headers().put("X", "y")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> built.events().add(EventType.CONNECTION_CREATED))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void comparesByValueAndMasksHeaderValuesInToString() {
        WebhookSubscription one = valid().header("Authorization", "Bearer s3cr3t").bodyTemplate("{{event}}").build();
        WebhookSubscription same = valid().header("Authorization", "Bearer s3cr3t").bodyTemplate("{{event}}").build();

        assertThat(one).isEqualTo(same).hasSameHashCodeAs(same).isNotEqualTo(valid().build());
        assertThat(one.toString()).contains("Authorization=****", "https://your-app.com/webhooks",
                "Workflow Errored").doesNotContain("s3cr3t");
        assertThat(valid().header("Authorization", "Bearer s3cr3t").toString()).doesNotContain("s3cr3t");
    }
}
