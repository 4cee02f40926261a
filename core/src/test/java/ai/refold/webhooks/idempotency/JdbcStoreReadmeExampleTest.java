package ai.refold.webhooks.idempotency;

import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.WorkflowErrored;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Compiles and runs the snippets of the JDBC store section of docs/guarantees-and-stores.md. */
class JdbcStoreReadmeExampleTest {

    @Test
    void theReadmeSnippetBuildsAReceiverOnAJdbcStore() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:readme;DB_CLOSE_DELAY=-1");
        DataSource dataSource = h2;
        String apiKey = "readme-api-key";

        // README:begin
        JdbcIdempotencyStore store = JdbcIdempotencyStore.builder()
                .dataSource(dataSource)            // your pooled DataSource
                .createTableIfMissing(true)        // or run schema-postgresql.sql in a migration
                .build();

        WebhookReceiver receiver = WebhookReceiver.builder()
                .signingKey("live", apiKey)
                .idempotencyStore(store)
                .on(WorkflowErrored.class, (event, context) -> System.out.println(event.instanceId()))
                .build();

        // now and then, for example every hour on one instance:
        int purged;
        do {
            purged = store.purgeExpired(1_000);
        } while (purged == 1_000);
        // README:end

        assertThat(receiver.toString()).contains("store=JdbcIdempotencyStore");
        assertThat(store.claim("k", "owner", Duration.ofSeconds(30))).isEqualTo(ClaimResult.CLAIMED);
    }
}
