package ai.refold.webhooks.spring.autoconfigure;

import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;

import java.util.Locale;

/**
 * Masks the Refold API keys in Actuator's {@code configprops} and {@code env} endpoints when an application lets them
 * show values: every {@code refold.webhooks.keys.<label>} however it is spelled ({@code REFOLD_WEBHOOKS_KEYS_LIVE} in
 * the environment, {@code refold.webhooks.keys[live]}). A key is the webhook secret and a credential for Refold's API.
 */
final class RefoldKeySanitizer implements SanitizingFunction {

    private static final String KEYS = "refold.webhooks.keys";

    @Override
    public SanitizableData apply(SanitizableData data) {
        String key = data.getKey();
        if (key == null) {
            return data;
        }
        String name = key.toLowerCase(Locale.ROOT).replace('_', '.').replace('[', '.').replace("]", "")
                .replace("-", "");
        return name.equals(KEYS) || name.startsWith(KEYS + ".") ? data.withValue(SanitizableData.SANITIZED_VALUE)
                : data;
    }
}
