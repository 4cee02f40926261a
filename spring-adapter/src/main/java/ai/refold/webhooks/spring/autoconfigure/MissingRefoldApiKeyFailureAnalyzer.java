package ai.refold.webhooks.spring.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Explains a missing Refold API key at startup instead of leaving a stack trace. */
class MissingRefoldApiKeyFailureAnalyzer extends AbstractFailureAnalyzer<MissingRefoldApiKeyException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, MissingRefoldApiKeyException cause) {
        return new FailureAnalysis(
                "The Refold webhook receiver has no API key to verify deliveries with.",
                "Set the Refold API key of each environment you receive from, for example:\n\n"
                        + "    refold.webhooks.keys.test=${REFOLD_TEST_API_KEY}\n"
                        + "    refold.webhooks.keys.live=${REFOLD_LIVE_API_KEY}\n\n"
                        + "or set refold.webhooks.enabled=false to turn the receiver off.",
                cause);
    }
}
