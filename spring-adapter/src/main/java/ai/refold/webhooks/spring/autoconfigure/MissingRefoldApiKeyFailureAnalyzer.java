package ai.refold.webhooks.spring.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains a missing or unusable Refold API key at startup instead of leaving a stack trace. It names the property,
 * never its value: the value may be a key.
 */
class MissingRefoldApiKeyFailureAnalyzer extends AbstractFailureAnalyzer<MissingRefoldApiKeyException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, MissingRefoldApiKeyException cause) {
        if (cause.property().isEmpty()) {
            return new FailureAnalysis(
                    "The Refold webhook receiver has no API key to verify deliveries with.",
                    "Set the Refold API key of each environment you receive from, for example:\n\n"
                            + "    refold.webhooks.keys.test=${REFOLD_TEST_API_KEY}\n"
                            + "    refold.webhooks.keys.live=${REFOLD_LIVE_API_KEY}\n\n"
                            + "or set refold.webhooks.enabled=false to turn the receiver off.",
                    cause);
        }
        String property = cause.property().get();
        String message = cause.getMessage();
        // Core's message is "<setting> <problem>"; the setting is named once, here.
        String problem = message.startsWith(property + " ") ? "it " + message.substring(property.length() + 1)
                : message;
        return new FailureAnalysis(
                "The Refold webhook receiver cannot use the API key in " + property + ": " + problem
                        + ". (The value is not shown: it may be a key.)",
                "Set " + property + " to the whole Refold API key of that environment, with nothing around it.\n"
                        + "If it reads the key from an environment variable, as in\n\n"
                        + "    " + property + "=${REFOLD_API_KEY}\n\n"
                        + "make sure that variable is set where the application runs: Spring leaves the placeholder's"
                        + " text in place of an unset variable, and the receiver refuses to sign with it.",
                cause);
    }
}
