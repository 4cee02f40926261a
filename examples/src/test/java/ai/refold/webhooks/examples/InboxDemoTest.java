package ai.refold.webhooks.examples;

import ai.refold.webhooks.examples.inbox.InboxDemoMain;
import ai.refold.webhooks.examples.inbox.InboxTimeline;
import ai.refold.webhooks.idempotency.InboxEntry;
import ai.refold.webhooks.idempotency.InboxQuery;
import ai.refold.webhooks.idempotency.InboxState;
import ai.refold.webhooks.idempotency.InboxStore;

import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class InboxDemoTest {

    @Test
    void theInboxDemoRetriesAFlakyHandlerAndReplaysADeadLetterOnceItsFixIsDeployed() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (ConfigurableApplicationContext app = InboxDemoMain.startInboxReceiver()) {
            String base = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port");

            boolean ok = InboxDemoMain.demo(app, base).run(new PrintStream(printed, true, StandardCharsets.UTF_8));

            String output = printed.toString(StandardCharsets.UTF_8);
            assertThat(ok).as(output).isTrue();
            assertThat(output).contains("All inbox steps had the expected outcome.")
                    .contains("attempt 3  done     alerted on-call: 'Export contact to Hubspot' failed")
                    .contains("attempt 3  dead     failed: mailer rejected the reconnect e-mail")
                    .contains("-> replayed; the handlers not yet done run again")
                    .contains("attempt 1  done     asked account 12345 to reconnect pipedrive")
                    .doesNotContain("BAD");
            InboxStore inbox = app.getBean(InboxStore.class);
            List<InboxEntry> all = inbox.list(InboxQuery.in(InboxState.PENDING, InboxState.PROCESSING,
                    InboxState.DONE, InboxState.DEAD));
            assertThat(all).hasSize(2).allSatisfy(entry -> assertThat(entry.state()).isEqualTo(InboxState.DONE));
            InboxTimeline timeline = app.getBean(InboxTimeline.class);
            assertThat(all).allSatisfy(entry -> assertThat(timeline.of(entry.key()))
                    .filteredOn(attempt -> attempt.outcome() == InboxState.DONE).hasSize(1));
        }
    }
}
