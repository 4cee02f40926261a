package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.idempotency.IdempotencyStore;
import ai.refold.webhooks.idempotency.InboxStore;
import ai.refold.webhooks.idempotency.JdbcIdempotencyStore;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;

import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A switch is read as the properties bind it: a .properties file keeps a trailing blank, and Spring binds
 * {@code true } as true, so the beans that depend on the switch must be there too, or the receiver would run in a mode
 * nobody chose (no inbox, no purge of the JDBC table) while its properties say otherwise.
 */
class SwitchesReadAsBoundTest {

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RefoldWebhookAutoConfiguration.class))
            .withPropertyValues("refold.webhooks.keys.test=k1", "refold.webhooks.allow-no-handlers=true");

    // The value exactly as given, as a .properties file keeps it (withPropertyValues would trim it).
    private static ApplicationContextInitializer<ConfigurableApplicationContext> as(String name, String value) {
        return context -> context.getEnvironment().getPropertySources()
                .addFirst(new MapPropertySource("as-written", Map.of(name, value)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"true ", " true", "TRUE\t"})
    void theInboxIsOnWhenItsSwitchIsTrueWithBlanksAround(String value) {
        runner.withPropertyValues("refold.webhooks.inbox.store=memory").withInitializer(as("refold.webhooks.inbox.enabled", value))
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(InboxStore.class);
                    assertThat(context.getBean(RefoldWebhookProperties.class).getInbox().isEnabled()).isTrue();
                });
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdbc ", "JDBC"})
    void theJdbcTableIsPurgedWhenTheStoreIsJdbcWithBlanksAround(String value) {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:switches-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        runner.withBean(DataSource.class, () -> h2)
                .withPropertyValues("refold.webhooks.idempotency.jdbc.create-table=true")
                .withInitializer(as("refold.webhooks.idempotency.store", value))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(IdempotencyStore.class)).isInstanceOf(JdbcIdempotencyStore.class);
                    assertThat(context.getBean(JdbcPurgeScheduler.class).isRunning()).isTrue();
                });
    }

    @ParameterizedTest
    @ValueSource(strings = {"true ", "True"})
    void acknowledgeFastGetsItsExecutorWhenItsSwitchIsTrueWithBlanksAround(String value) {
        runner.withInitializer(as("refold.webhooks.acknowledge-fast", value))
                .run(context -> assertThat(context).hasNotFailed().hasBean(RefoldWebhookAutoConfiguration.EXECUTOR_BEAN));
    }

    @ParameterizedTest
    @ValueSource(strings = {"false ", "FALSE"})
    void theStarterIsOffWhenItsSwitchIsFalseWithBlanksAround(String value) {
        runner.withInitializer(as("refold.webhooks.enabled", value))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(WebhookReceiver.class));
    }

    // Spring binds a boolean from on/yes/1 and off/no/0 too: the switch must read them the same way.
    @ParameterizedTest
    @ValueSource(strings = {"yes", "on", "1", " On "})
    void theInboxIsOnWhenItsSwitchIsAnyValueThatBindsAsTrue(String value) {
        runner.withPropertyValues("refold.webhooks.inbox.store=memory").withInitializer(as("refold.webhooks.inbox.enabled", value))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(RefoldWebhookProperties.class).getInbox().isEnabled()).isTrue();
                    assertThat(context).hasSingleBean(InboxStore.class);
                });
    }

    @ParameterizedTest
    @ValueSource(strings = {"yes", "on", "1"})
    void acknowledgeFastGetsItsExecutorWhenItsSwitchIsAnyValueThatBindsAsTrue(String value) {
        runner.withInitializer(as("refold.webhooks.acknowledge-fast", value))
                .run(context -> assertThat(context).hasNotFailed().hasBean(RefoldWebhookAutoConfiguration.EXECUTOR_BEAN));
    }

    @ParameterizedTest
    @ValueSource(strings = {"no", "off", "0", "OFF "})
    void theStarterIsOffWhenItsSwitchIsAnyValueThatBindsAsFalse(String value) {
        runner.withInitializer(as("refold.webhooks.enabled", value))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(WebhookReceiver.class));
    }
}
