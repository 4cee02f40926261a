package ai.refold.webhooks.spring.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Explains a receiver property that cannot work, naming the property. */
class RefoldWebhookConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<RefoldWebhookConfigurationException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, RefoldWebhookConfigurationException cause) {
        return new FailureAnalysis("The Refold webhook receiver cannot start: " + cause.getMessage(),
                cause.action(), cause);
    }
}
