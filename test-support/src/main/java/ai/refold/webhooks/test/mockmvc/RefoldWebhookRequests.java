package ai.refold.webhooks.test.mockmvc;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.signature.SignatureScheme;
import ai.refold.webhooks.test.SamplePayloads;
import ai.refold.webhooks.test.TestDeliveries;

import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.test.web.servlet.RequestBuilder;

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
 * The MockMvc instance must include the Refold filter, as {@code @AutoConfigureMockMvc} does. The builders are
 * plain {@link RequestBuilder}s, which Spring Framework 6 and 7 share, so one helper serves Boot 3.5 and 4. This
 * class needs {@code org.springframework:spring-test} and the Jakarta Servlet API, which an application that uses
 * MockMvc has; {@code refold-webhooks-test} does not bring them.
 */
public final class RefoldWebhookRequests {

    // RefoldWebhookFilter.DEFAULT_PATH, which this module cannot name: the servlet adapter's tests depend on it.
    private static final String DEFAULT_PATH = "/webhooks/refold";

    private RefoldWebhookRequests() {
    }

    /**
     * {@return a POST of the documented sample of {@code type} to the filter's default path, {@code /webhooks/refold},
     * signed with {@code apiKey}}
     *
     * @param apiKey the Refold API key the application's receiver verifies with
     * @param type   the documented event type whose sample is sent
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code apiKey} is not a valid API key
     */
    public static RequestBuilder signedDelivery(String apiKey, EventType type) {
        return signedDelivery(DEFAULT_PATH, apiKey, SamplePayloads.of(type));
    }

    /**
     * {@return a POST of {@code body} to {@code path}, signed with {@code apiKey} as Refold signs}
     *
     * @param path   the path the Refold filter answers on, for example {@code /webhooks/refold}
     * @param apiKey the Refold API key the application's receiver verifies with
     * @param body   the body to send; it is copied
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code apiKey} is not a valid API key
     */
    public static RequestBuilder signedDelivery(String path, String apiKey, byte[] body) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(body, "body");
        String signature = TestDeliveries.withKey(apiKey).signature(body);
        byte[] content = body.clone();
        return servletContext -> {
            MockHttpServletRequest request = new MockHttpServletRequest(servletContext, "POST", path);
            // As a container maps it: the filter matches on servlet path + path info, not on the raw URI.
            request.setPathInfo(path);
            request.setContentType("application/json");
            request.addHeader(SignatureScheme.REFOLD_HEADER, signature);
            request.setContent(content);
            return request;
        };
    }
}
