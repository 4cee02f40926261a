package ai.refold.webhooks.spring.autoconfigure;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;

/**
 * Reports a property under {@code refold.webhooks.keys} that cannot be bound, without its value. The natural slip
 * is a key given to the map itself ({@code --refold.webhooks.keys=sk_live_...}, {@code REFOLD_WEBHOOKS_KEYS=...}):
 * Spring's own analyzer would print the value, which is an API key. Ordered first so that it answers before Spring's.
 */
class RefoldWebhookKeysBindFailureAnalyzer extends AbstractFailureAnalyzer<BindException> implements Ordered {

    static final String KEYS = "refold.webhooks.keys";

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, BindException cause) {
        String name = cause.getName().toString();
        if (!name.equals(KEYS) && !name.startsWith(KEYS + ".") && !name.startsWith(KEYS + "[")) {
            return null;
        }
        ConfigurationProperty property = cause.getProperty();
        String origin = property != null && property.getOrigin() != null ? "\n    Origin: " + property.getOrigin()
                : "";
        return new FailureAnalysis(
                "Failed to bind properties under '" + name + "' to " + cause.getTarget().getType() + ":\n\n"
                        + "    Property: " + (property != null ? property.getName() : name) + "\n"
                        + "    Value: (not shown: it may be a Refold API key)" + origin,
                "Give each key a label: refold.webhooks.keys.<label>=<key>, for example\n\n"
                        + "    refold.webhooks.keys.live=${REFOLD_LIVE_API_KEY}\n\n"
                        + "on the command line --refold.webhooks.keys.live=..., or as an environment variable"
                        + " REFOLD_WEBHOOKS_KEYS_LIVE=... . A value for " + KEYS + " itself cannot be bound.",
                cause);
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
