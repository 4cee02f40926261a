package ai.refold.webhooks.servlet;

import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.test.hardening.HostileRequests;

import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;

import org.junit.jupiter.api.Test;

import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

class RefoldWebhookFilterSecretHygieneTest {

    private static final Map<String, String> ENVIRONMENT = Map.of(
            "REFOLD_LIVE_API_KEY", HostileRequests.LIVE_KEY, "REFOLD_PREVIOUS_API_KEY", HostileRequests.PREVIOUS_KEY);

    @Test
    void theFilterMasksTheKeysOfItsReceiver() {
        WebhookReceiver receiver = WebhookReceiver.builder().signingKey("live", HostileRequests.LIVE_KEY)
                .signingKey("previous", HostileRequests.PREVIOUS_KEY).allowNoHandlers().build();

        String text = RefoldWebhookFilter.builder(receiver).build().toString();

        assertThat(text).contains("live", "previous")
                .doesNotContain(HostileRequests.LIVE_KEY, HostileRequests.PREVIOUS_KEY);
    }

    @Test
    void aFilterConfiguredFromWebXmlMasksTheKeysItReadFromTheEnvironment() throws Exception {
        RefoldWebhookFilter filter = new RefoldWebhookFilter(ENVIRONMENT::get);

        filter.init(config(Map.of("signing-keys", "live=REFOLD_LIVE_API_KEY,previous=REFOLD_PREVIOUS_API_KEY",
                "allow-no-handlers", "true")));

        assertThat(filter.toString()).contains("live", "previous")
                .doesNotContain(HostileRequests.LIVE_KEY, HostileRequests.PREVIOUS_KEY);
    }

    @Test
    void aWebXmlConfigurationErrorNamesTheProblemButNoKey() {
        for (Map<String, String> parameters : List.of(
                Map.of("signing-keys", "live=REFOLD_LIVE_API_KEY,live=REFOLD_PREVIOUS_API_KEY"),
                Map.of("signing-keys", "live=REFOLD_LIVE_API_KEY", "max-body-bytes", "lots"),
                Map.of("signing-keys", "live=REFOLD_LIVE_API_KEY", "mode", "sideways"),
                Map.of("signing-keys", "live=REFOLD_LIVE_API_KEY,test=UNSET_VARIABLE"))) {
            Throwable failure = catchThrowable(() -> new RefoldWebhookFilter(ENVIRONMENT::get).init(config(parameters)));

            assertThat(failure).isInstanceOf(ServletException.class);
            assertThat(failure.toString() + failure.getCause())
                    .doesNotContain(HostileRequests.LIVE_KEY, HostileRequests.PREVIOUS_KEY);
        }
    }

    @Test
    void aKeyShapedLikeAVariableNamePastedInItsPlaceIsNeverEchoed() {
        // Upper case, digits and underscores: the shape of an environment variable's name, and of some API keys.
        String pasted = "RK_LIVE_7F3A9C2E5B8D1F4A6C0E2B9D";

        Throwable failure = catchThrowable(() -> new RefoldWebhookFilter(ENVIRONMENT::get)
                .init(config(Map.of("signing-keys", "live=" + pasted, "allow-no-handlers", "true"))));

        assertThat(failure).isInstanceOf(ServletException.class);
        assertThat(failure.toString() + failure.getCause()).doesNotContain(pasted);
        assertThat(failure.getMessage()).contains("'signing-keys'", "signing key 'live'",
                "looks like an unresolved environment variable name");
    }

    private static FilterConfig config(Map<String, String> parameters) {
        return new FilterConfig() {
            @Override
            public String getFilterName() {
                return "refold";
            }

            @Override
            public ServletContext getServletContext() {
                return null;
            }

            @Override
            public String getInitParameter(String name) {
                return parameters.get(name);
            }

            @Override
            public Enumeration<String> getInitParameterNames() {
                return Collections.enumeration(parameters.keySet());
            }
        };
    }
}
