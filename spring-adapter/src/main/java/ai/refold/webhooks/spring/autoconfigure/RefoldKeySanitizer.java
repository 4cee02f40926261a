package ai.refold.webhooks.spring.autoconfigure;

import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;

import java.util.Collection;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Masks the Refold API keys in Actuator's {@code configprops} and {@code env} endpoints when an application lets them
 * show values: every {@code refold.webhooks.keys.<label>} however it is spelled ({@code REFOLD_WEBHOOKS_KEYS_LIVE} in
 * the environment, {@code refold.webhooks.keys[live]}), and any other property whose value holds one of the keys, such
 * as the variable a {@code ${...}} placeholder reads it from, or the command line that passed it. A key is the webhook
 * secret and a credential for Refold's API.
 */
final class RefoldKeySanitizer implements SanitizingFunction {

    private static final String KEYS = "refold.webhooks.keys";

    private final Supplier<Collection<String>> keys;

    RefoldKeySanitizer(Supplier<Collection<String>> keys) {
        this.keys = keys;
    }

    @Override
    public SanitizableData apply(SanitizableData data) {
        String key = data.getKey();
        String name = key == null ? "" : key.toLowerCase(Locale.ROOT).replace('_', '.').replace('[', '.')
                .replace("]", "").replace("-", "");
        boolean keyProperty = name.equals(KEYS) || name.startsWith(KEYS + ".");
        Object value = data.getValue();
        // Contained, not only equal: the command line that passed a key (sun.java.command) or SPRING_APPLICATION_JSON
        // shows it among other text.
        boolean keyValue = value instanceof CharSequence text && !text.isEmpty() && keys.get().stream()
                .anyMatch(apiKey -> apiKey != null && !apiKey.isEmpty() && text.toString().contains(apiKey));
        return keyProperty || keyValue ? data.withValue(SanitizableData.SANITIZED_VALUE) : data;
    }
}
