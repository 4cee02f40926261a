package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.spring.inbox.InboxAttempts;
import ai.refold.webhooks.spring.inbox.InboxHandlers;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The inbox's health indicator obeys Spring Boot's switches for health indicators: its own
 * {@code management.health.refoldinbox.enabled}, and {@code management.health.defaults.enabled} when that is not set.
 */
class InboxHealthSwitchTest {

    private static final String INDICATOR = "refoldInboxHealthIndicator";

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RefoldWebhookAutoConfiguration.class))
            .withPropertyValues("refold.webhooks.keys.test=inbox-test-api-key", "refold.webhooks.inbox.enabled=true",
                    "refold.webhooks.inbox.jdbc.create-table=true")
            .withBean(InboxHandlers.class)
            .withBean(InboxAttempts.class)
            .withBean(DataSource.class, InboxHealthSwitchTest::h2);

    @Test
    void theIndicatorIsThereByDefault() {
        runner.run(context -> assertThat(context).hasNotFailed().hasBean(INDICATOR));
    }

    @Test
    void itsOwnSwitchTurnsItOff() {
        runner.withPropertyValues("management.health.refoldinbox.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(INDICATOR)
                        .hasSingleBean(InboxHealth.class));
    }

    @Test
    void itsOwnSwitchIsReadInEverySpellingBootBindsAndWithItsCaseAsTheIndicatorIsNamed() {
        runner.withPropertyValues("management.health.refoldInbox.enabled=off")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(INDICATOR));
    }

    @Test
    void theDefaultsSwitchTurnsItOffUnlessItsOwnSwitchTurnsItOn() {
        runner.withPropertyValues("management.health.defaults.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(INDICATOR));
        runner.withPropertyValues("management.health.defaults.enabled=false",
                        "management.health.refoldinbox.enabled=true")
                .run(context -> assertThat(context).hasNotFailed().hasBean(INDICATOR));
    }

    private static DataSource h2() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:inbox-health-switch-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
        return h2;
    }
}
