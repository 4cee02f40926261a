package ai.refold.webhooks.examples.inbox;

import org.h2.jdbcx.JdbcDataSource;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

import javax.sql.DataSource;

/**
 * A Spring Boot receiver in inbox mode: every verified delivery is stored in the {@code refold_webhook_inbox} table
 * and answered 200, then run by the inbox's workers, retried with backoff, and kept as a dead letter when it never
 * succeeds; Actuator's {@code refoldinbox} endpoint lists, replays and discards dead letters. The properties that
 * turn this on are in {@link InboxDemoMain#PROPERTIES}.
 */
@SpringBootApplication
public class InboxReceiverApp {

    // An in-memory H2 database keeps the demo self-contained; an application uses its own DataSource (spring.datasource.*
    // on PostgreSQL), which the starter finds the same way.
    @Bean
    DataSource dataSource() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:refold-inbox-demo;DB_CLOSE_DELAY=-1");
        return h2;
    }

    @Bean
    InboxTimeline inboxTimeline() {
        return new InboxTimeline();
    }
}
