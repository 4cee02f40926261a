package ai.refold.webhooks;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LogInjectionTest {

    @Test
    void lineBreaksInLoggedValuesAreEscapedSoTheyCannotForgeALogLine() {
        String forged = DeliveryLog.printable("workflow-errored:-:abc\r\nSet-Cookie: a=b");

        assertThat(forged).isEqualTo("workflow-errored:-:abc\\u000d\\u000aSet-Cookie: a=b").doesNotContain("\n", "\r");
    }

    // Unicode has line breaks beyond CR and LF: NEL (a C1 control) and the line and paragraph separators, which
    // Java's \R, Python's splitlines and many log viewers break lines at. A key from a signed body (an
    // instance_id, say) must not start a forged line with them, nor carry a C1 control such as CSI (U+009B),
    // which some terminals obey as an escape sequence.
    @Test
    void unicodeLineBreaksAndC1ControlsInLoggedValuesAreEscaped() {
        String forged = DeliveryLog.printable("workflow-errored:-:abc\u0085ERROR forged\u2028ERROR forged\u2029x"
                + "\u009b31m\u0080");

        assertThat(forged).isEqualTo("workflow-errored:-:abc\\u0085ERROR forged\\u2028ERROR forged\\u2029x"
                + "\\u009b31m\\u0080");
        assertThat(forged.split("\\R")).hasSize(1);
        assertThat(forged.chars()).noneMatch(Character::isISOControl);
    }

    @Test
    void printableValuesAreLoggedAsTheyAre() {
        String key = "connection-expired:test:12345:pipedrive:Tue, 07 Nov 2023 08:38:33 GMT";

        assertThat(DeliveryLog.printable(key)).isSameAs(key);
    }
}
