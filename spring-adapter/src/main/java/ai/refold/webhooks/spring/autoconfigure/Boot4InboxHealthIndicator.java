package ai.refold.webhooks.spring.autoconfigure;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The inbox's health on Boot 4's health API ({@code org.springframework.boot.health.contributor}); see
 * {@link InboxHealth}.
 */
final class Boot4InboxHealthIndicator implements HealthIndicator {

    private final InboxHealth inbox;

    Boot4InboxHealthIndicator(InboxHealth inbox) {
        this.inbox = inbox;
    }

    @Override
    public Health health() {
        InboxHealth.Verdict verdict = inbox.check();
        return Health.status(verdict.status()).withDetails(verdict.details()).build();
    }
}
