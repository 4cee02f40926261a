package ai.refold.webhooks.spring;

import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.test.hardening.HostileRequest;
import ai.refold.webhooks.test.hardening.HostileRequests;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The catalogue through the starter with the default body limit, which is core's default of 1 MB. */
@SpringBootTest(classes = CatalogueApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {CatalogueApplication.LIVE_KEY, CatalogueApplication.PREVIOUS_KEY,
            CatalogueApplication.LARGE_HEADERS})
class HostileRequestsOverSpringBootTest extends HostileRequestsOverSpringBoot {

    @Test
    void everyRowOverHttpRunsUnderOneOfTheConfiguredApplications() {
        assertThat(HostileRequests.overHttp()).hasSizeGreaterThanOrEqualTo(40).allSatisfy(row -> {
            assertThat(LIMITS).contains(row.maxBodyBytes());
            boolean defaults = row.readDeadline().equals(WebhookReceiver.DEFAULT_READ_DEADLINE)
                    && row.bodyBudgetBytes() == WebhookReceiver.DEFAULT_BODY_BUDGET_BYTES;
            boolean shortDeadline = row.readDeadline().equals(HostileRequests.SHORT_READ_DEADLINE)
                    && row.bodyBudgetBytes() == WebhookReceiver.DEFAULT_BODY_BUDGET_BYTES;
            boolean smallBudget = row.readDeadline().equals(WebhookReceiver.DEFAULT_READ_DEADLINE)
                    && row.bodyBudgetBytes() == HostileRequests.SMALL_BODY_BUDGET;
            assertThat(defaults || (shortDeadline || smallBudget)
                    && row.maxBodyBytes() == WebhookReceiver.DEFAULT_MAX_BODY_BYTES)
                    .as("row %s runs in one of the applications", row).isTrue();
        });
    }

    @Test
    void everyRowLeftOutOfHttpStatesWhy() {
        List<HostileRequest> left = HostileRequests.all().stream().filter(row -> !row.expressibleOverHttp()).toList();

        assertThat(left).isNotEmpty().allSatisfy(row -> assertThat(row.notOverHttp()).hasValueSatisfying(
                reason -> assertThat(reason).isNotBlank()));
    }
}
