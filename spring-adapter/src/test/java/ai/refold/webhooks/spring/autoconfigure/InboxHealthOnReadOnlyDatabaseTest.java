package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.DeliveryResult;
import ai.refold.webhooks.Outcome;
import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.idempotency.JdbcInboxStore;
import ai.refold.webhooks.spring.inbox.InboxAttempts;
import ai.refold.webhooks.spring.inbox.InboxHandlers;
import ai.refold.webhooks.spring.inbox.Workflows;
import ai.refold.webhooks.test.TestDeliveries;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The inbox's health on a database that answers reads and refuses writes, as a read-only replica does: every delivery
 * is answered 503 there, so the health must not say UP.
 */
class InboxHealthOnReadOnlyDatabaseTest {

    private static final String KEY = "inbox-test-api-key";
    private static final String PASSWORD = "do-not-show-this-password";

    @TempDir
    Path directory;

    @Test
    void onADatabaseOpenedReadOnlyTheHealthIsDownNamingWhyAndNoUrlOrCredential() throws SQLException {
        String url = "jdbc:h2:file:" + directory.resolve("inbox").toAbsolutePath();
        // The table exists (a migration made it), then the database is opened read-only.
        JdbcInboxStore.builder().dataSource(h2(url)).createTableIfMissing(true).build().stats();
        try (Connection connection = h2(url).getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("SHUTDOWN");
        }
        DataSource readOnly = h2(url + ";ACCESS_MODE_DATA=r");

        new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RefoldWebhookAutoConfiguration.class))
                .withPropertyValues("refold.webhooks.keys.test=" + KEY, "refold.webhooks.inbox.enabled=true")
                .withBean(InboxHandlers.class)
                .withBean(InboxAttempts.class)
                .withBean(DataSource.class, () -> readOnly)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    byte[] body = Workflows.body(EventType.WORKFLOW_ERRORED, "d4d4d4d4d4d4d4d4d4d4d4d4");
                    DeliveryResult result = context.getBean(WebhookReceiver.class)
                            .receive(TestDeliveries.withKey(KEY).of(body));
                    assertThat(result.outcome()).isEqualTo(Outcome.STORE_UNAVAILABLE);
                    assertThat(result.status()).isEqualTo(503);

                    InboxHealth.Verdict verdict = context.getBean(InboxHealth.class).check();

                    assertThat(verdict.status()).isEqualTo(InboxHealth.DOWN);
                    assertThat(verdict.details().toString()).contains("read-only")
                            .doesNotContain(directory.toString()).doesNotContain("jdbc:h2")
                            .doesNotContain(PASSWORD).doesNotContain("inbox_user");
                });
    }

    private static DataSource h2(String url) {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL(url);
        h2.setUser("inbox_user");
        h2.setPassword(PASSWORD);
        return h2;
    }
}
