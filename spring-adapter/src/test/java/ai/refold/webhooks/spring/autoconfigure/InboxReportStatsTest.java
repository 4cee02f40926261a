package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.idempotency.InboxState;
import ai.refold.webhooks.idempotency.InboxStats;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The counts the {@code refoldinbox} endpoint reports, and which of them a store estimated. */
class InboxReportStatsTest {

    private static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");

    @Test
    void everyStateIsReportedAndAnEstimatedCountIsNamedAsOne() {
        InboxStats stats = new InboxStats(Map.of(InboxState.DONE, 1_250_000L, InboxState.DEAD, 2L),
                Optional.of(NOW.minusSeconds(90)), Set.of(InboxState.DONE));

        RefoldInboxEndpoint.Stats report = RefoldInboxEndpoint.Stats.of(stats, NOW);

        assertThat(report.entries()).containsExactly(Map.entry("PENDING", 0L), Map.entry("PROCESSING", 0L),
                Map.entry("DONE", 1_250_000L), Map.entry("DEAD", 2L));
        assertThat(report.estimated()).containsExactly("DONE");
        assertThat(report.oldestDueAgeSeconds()).isEqualTo(90L);
    }

    @Test
    void exactCountsNameNoEstimate() {
        RefoldInboxEndpoint.Stats report = RefoldInboxEndpoint.Stats.of(
                new InboxStats(Map.of(InboxState.PENDING, 3L), Optional.empty()), NOW);

        assertThat(report.estimated()).isEmpty();
        assertThat(report.oldestDueAt()).isNull();
    }
}
