package ai.refold.webhooks.spring.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Explains inbox properties that cannot work, naming the properties and never their values. */
class RefoldInboxConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<RefoldInboxConfigurationException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, RefoldInboxConfigurationException cause) {
        return new FailureAnalysis("The Refold webhook inbox cannot start: " + cause.getMessage(), cause.action(),
                cause);
    }
}
