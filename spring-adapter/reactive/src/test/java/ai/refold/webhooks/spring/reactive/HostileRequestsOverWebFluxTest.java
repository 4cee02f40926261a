package ai.refold.webhooks.spring.reactive;

import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.test.hardening.HostileRequests;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The catalogue rows that run under the default body limit, read deadline and body budget, through the starter on
 * Reactor Netty; the other configurations have a class each.
 */
@SpringBootTest(classes = ReactiveCatalogueApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {ReactiveCatalogueApplication.LIVE_KEY, ReactiveCatalogueApplication.PREVIOUS_KEY,
            ReactiveCatalogueApplication.LARGE_HEADERS})
class HostileRequestsOverWebFluxTest extends HostileRequestsOverWebFlux {

    @Test
    void everyRowOverHttpRunsUnderOneOfTheConfiguredApplications() {
        assertThat(HostileRequests.overHttp()).hasSizeGreaterThanOrEqualTo(90).allSatisfy(row -> {
            boolean defaults = row.readDeadline().equals(WebhookReceiver.DEFAULT_READ_DEADLINE)
                    && row.bodyBudgetBytes() == WebhookReceiver.DEFAULT_BODY_BUDGET_BYTES;
            boolean shortDeadline = row.readDeadline().equals(HostileRequests.SHORT_READ_DEADLINE)
                    && row.bodyBudgetBytes() == WebhookReceiver.DEFAULT_BODY_BUDGET_BYTES;
            boolean smallBudget = row.readDeadline().equals(WebhookReceiver.DEFAULT_READ_DEADLINE)
                    && row.bodyBudgetBytes() == HostileRequests.SMALL_BODY_BUDGET;
            assertThat(LIMITS).contains(row.maxBodyBytes());
            assertThat(defaults || (shortDeadline || smallBudget)
                    && row.maxBodyBytes() == WebhookReceiver.DEFAULT_MAX_BODY_BYTES)
                    .as("row %s runs in one of the applications", row).isTrue();
        });
    }
}
