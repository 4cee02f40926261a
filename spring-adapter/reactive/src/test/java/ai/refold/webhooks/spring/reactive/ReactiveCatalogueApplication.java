package ai.refold.webhooks.spring.reactive;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.UnknownEvent;
import ai.refold.webhooks.event.WebhookEvent;
import ai.refold.webhooks.idempotency.ClaimResult;
import ai.refold.webhooks.idempotency.IdempotencyStore;
import ai.refold.webhooks.spring.RefoldWebhook;
import ai.refold.webhooks.test.hardening.CatalogueReceiver;
import ai.refold.webhooks.test.hardening.HostileRequests;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;

import java.time.Duration;
import java.util.Objects;

/**
 * The WebFlux application the hostile-request catalogue runs against: the auto-configured receiver and WebFilter on
 * Reactor Netty, with Spring Security's defaults, the catalogue's two keys, and one bean that is both the
 * application's idempotency store and its {@code @RefoldWebhook} handler, each passing on to the current row's
 * {@link CatalogueReceiver}. Netty, unlike Tomcat, has no limit on the number of headers; only their size is raised.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
class ReactiveCatalogueApplication {

    static final String LIVE_KEY = "refold.webhooks.keys.live=" + HostileRequests.LIVE_KEY;
    static final String PREVIOUS_KEY = "refold.webhooks.keys.previous=" + HostileRequests.PREVIOUS_KEY;
    // Netty's default of 8 KB would answer the 100 KB signature row before any filter runs.
    static final String LARGE_HEADERS = "server.max-http-request-header-size=256KB";
    static final String SHORT_READ_DEADLINE = "refold.webhooks.read-deadline="
            + HostileRequests.SHORT_READ_DEADLINE_MILLIS + "ms";
    static final String SMALL_BODY_BUDGET = "refold.webhooks.body-budget=" + HostileRequests.SMALL_BODY_BUDGET + "B";

    @Bean
    CurrentRow currentRow() {
        return new CurrentRow();
    }

    /** Stands for the row under test: its store, and its handler. */
    static final class CurrentRow implements IdempotencyStore {
        private volatile CatalogueReceiver fixture;

        /** Makes {@code fixture} the row every delivery from now on runs against. */
        void set(CatalogueReceiver fixture) {
            this.fixture = Objects.requireNonNull(fixture, "fixture");
        }

        // The catalogue receiver's handlers: every event but HostileRequests.UNHANDLED, whose deliveries are ignored.
        @RefoldWebhook(types = {EventType.CONNECTION_CREATED, EventType.CONNECTION_DELETED,
            EventType.CONNECTION_EXPIRED, EventType.WORKFLOW_COMPLETED})
        void onEvent(WebhookEvent event) {
            fixture.handle(event);
        }

        @RefoldWebhook
        void onUnknown(UnknownEvent event) {
            fixture.handle(event);
        }

        @Override
        public ClaimResult claim(String key, String owner, Duration lease) {
            return fixture.store().claim(key, owner, lease);
        }

        @Override
        public boolean renew(String key, String owner, Duration lease) {
            return fixture.store().renew(key, owner, lease);
        }

        @Override
        public boolean complete(String key, String owner, Duration retention) {
            return fixture.store().complete(key, owner, retention);
        }

        @Override
        public boolean release(String key, String owner) {
            return fixture.store().release(key, owner);
        }
    }
}
