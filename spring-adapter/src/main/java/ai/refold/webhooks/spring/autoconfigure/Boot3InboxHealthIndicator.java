package ai.refold.webhooks.spring.autoconfigure;

import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/** The inbox's health on Boot 3's health API ({@code org.springframework.boot.actuate.health}); see {@link InboxHealth}. */
final class Boot3InboxHealthIndicator implements HealthIndicator {

    private final InboxHealth inbox;

    Boot3InboxHealthIndicator(InboxHealth inbox) {
        this.inbox = inbox;
    }

    @Override
    public Health health() {
        InboxHealth.Verdict verdict = inbox.check();
        return Health.status(verdict.status()).withDetails(verdict.details()).build();
    }
}
