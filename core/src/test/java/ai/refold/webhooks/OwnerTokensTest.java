package ai.refold.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

/** Owner tokens: short, in the characters every store keeps, and never the same twice. */
class OwnerTokensTest {

    @Test
    void aTokenIsTheNodeADotAndElevenBase64urlDigitsOfTheSequence() {
        OwnerTokens owners = new OwnerTokens();
        String first = owners.next();
        String second = owners.next();

        assertThat(first).matches("[A-Za-z0-9_-]{8}\\.[A-Za-z0-9_-]{11}");
        assertThat(first.substring(0, 9)).isEqualTo(second.substring(0, 9));
        assertThat(first.substring(9)).isEqualTo("AAAAAAAAAAB");
        assertThat(second.substring(9)).isEqualTo("AAAAAAAAAAC");
    }

    @Test
    void tokensOfOneNodeNeverRepeat() {
        OwnerTokens owners = new OwnerTokens();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            assertThat(seen.add(owners.next())).isTrue();
        }
    }

    @Test
    void nodesDiffer() {
        Set<String> nodes = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            String token = new OwnerTokens().next();
            nodes.add(token.substring(0, token.indexOf('.') + 1));
        }
        assertThat(nodes).hasSize(100);
    }
}
