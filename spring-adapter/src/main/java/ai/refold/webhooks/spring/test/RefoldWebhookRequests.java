package ai.refold.webhooks.spring.test;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.SamplePayloads;
import ai.refold.webhooks.servlet.RefoldWebhookFilter;
import ai.refold.webhooks.signature.SignatureScheme;
import ai.refold.webhooks.signature.WebhookSigner;

import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.request.MockMvcRequestBuilders;

import java.util.Objects;

/**
 * Builds correctly signed Refold deliveries for {@code MockMvc}, so that an application's own tests exercise its
 * {@code @RefoldWebhook} handlers through the real receiver:
 *
 * <pre>{@code
 * mockMvc.perform(RefoldWebhookRequests.signedDelivery("test-api-key", EventType.WORKFLOW_ERRORED))
 *        .andExpect(status().isOk());
 * }</pre>
 *
 * The MockMvc instance must include the Refold filter, as {@code @AutoConfigureMockMvc} does.
 */
public final class RefoldWebhookRequests {

    private RefoldWebhookRequests() {
    }

    /** Returns a POST of the documented sample of {@code type} to the default path, signed with {@code apiKey}. */
    public static MockHttpServletRequestBuilder signedDelivery(String apiKey, EventType type) {
        return signedDelivery(RefoldWebhookFilter.DEFAULT_PATH, apiKey, SamplePayloads.of(type));
    }

    /** Returns a POST of {@code body} to {@code path}, signed with {@code apiKey} as Refold signs. */
    public static MockHttpServletRequestBuilder signedDelivery(String path, String apiKey, byte[] body) {
        Objects.requireNonNull(body, "body");
        return MockMvcRequestBuilders.post(path)
                .contentType("application/json")
                .header(SignatureScheme.REFOLD_HEADER, WebhookSigner.of(apiKey).sign(body))
                .content(body);
    }
}
