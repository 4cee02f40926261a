package ai.refold.webhooks;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LogInjectionTest {

    @Test
    void lineBreaksInLoggedValuesAreEscapedSoTheyCannotForgeALogLine() {
        String forged = DeliveryLog.printable("workflow-errored:-:abc\r\nSet-Cookie: a=b");

        assertThat(forged).isEqualTo("workflow-errored:-:abc\\u000d\\u000aSet-Cookie: a=b").doesNotContain("\n", "\r");
    }

    @Test
    void printableValuesAreLoggedAsTheyAre() {
        String key = "connection-expired:test:12345:pipedrive:Tue, 07 Nov 2023 08:38:33 GMT";

        assertThat(DeliveryLog.printable(key)).isSameAs(key);
    }
}
