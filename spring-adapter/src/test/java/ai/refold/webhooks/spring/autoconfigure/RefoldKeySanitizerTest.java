package ai.refold.webhooks.spring.autoconfigure;

import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.SanitizableData;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A key reaches Actuator's env endpoint inside other values too: the command line that passed it
 * ({@code sun.java.command}), or {@code SPRING_APPLICATION_JSON}, both shown as they are.
 */
class RefoldKeySanitizerTest {

    private static final String KEY = "sanitizer-live-api-key-0123";

    private final RefoldKeySanitizer sanitizer = new RefoldKeySanitizer(() -> List.of(KEY));

    private Object shown(String property, Object value) {
        return sanitizer.apply(new SanitizableData(null, property, value)).getValue();
    }

    @Test
    void aValueThatHoldsAKeyAmongOtherTextIsMasked() {
        assertThat(shown("sun.java.command", "app.jar --refold.webhooks.keys.live=" + KEY + " --server.port=8080"))
                .isEqualTo(SanitizableData.SANITIZED_VALUE);
        assertThat(shown("SPRING_APPLICATION_JSON", "{\"refold\":{\"webhooks\":{\"keys\":{\"live\":\"" + KEY
                + "\"}}}}")).isEqualTo(SanitizableData.SANITIZED_VALUE);
    }

    @Test
    void theKeysAndTheVariablesTheyAreReadFromAreMaskedAndOtherValuesShown() {
        assertThat(shown("refold.webhooks.keys.live", "${REFOLD_LIVE}")).isEqualTo(SanitizableData.SANITIZED_VALUE);
        assertThat(shown("REFOLD_WEBHOOKS_KEYS_LIVE", "anything")).isEqualTo(SanitizableData.SANITIZED_VALUE);
        assertThat(shown("REFOLD_LIVE", KEY)).isEqualTo(SanitizableData.SANITIZED_VALUE);
        assertThat(shown("server.port", "8080")).isEqualTo("8080");
        assertThat(shown("refold.webhooks.path", "/webhooks/refold")).isEqualTo("/webhooks/refold");
    }
}
