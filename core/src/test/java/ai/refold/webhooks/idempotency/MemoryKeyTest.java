package ai.refold.webhooks.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The in-memory store's map key: a hash of every character, and keys that collide kept apart all the same. */
class MemoryKeyTest {

    private static final String CONNECTION_KEY = "connection-created:production:acct_8f2c91d7:google-drive:"
            + "2026-11-01T10:00:00Z";

    @Test
    void aKeyChangedInAnySingleCharacterHashesApart() {
        int original = MemoryKey.hash(CONNECTION_KEY);
        for (int i = 0; i < CONNECTION_KEY.length(); i++) {
            char next = (char) (CONNECTION_KEY.charAt(i) + 1);
            for (char replacement : new char[] {'0', 'z', '%', '\u00e9', '\u4e2d', next}) {
                if (replacement == CONNECTION_KEY.charAt(i)) {
                    continue;
                }
                String changed = CONNECTION_KEY.substring(0, i) + replacement + CONNECTION_KEY.substring(i + 1);
                assertThat(MemoryKey.hash(changed)).as("changed at %d to %s", i, replacement).isNotEqualTo(original);
            }
        }
    }

    @Test
    void equalKeysAreEqualAndHashAlikeWhateverTheirLength() {
        for (int length = 0; length < 12; length++) {
            String key = CONNECTION_KEY.substring(0, length);
            MemoryKey one = new MemoryKey(key);
            MemoryKey other = new MemoryKey(new String(key.toCharArray()));

            assertThat(one).isEqualTo(other).hasSameHashCodeAs(other);
            assertThat(one.compareTo(other)).isZero();
        }
        assertThat(new MemoryKey("a")).isNotEqualTo(new MemoryKey("b")).isNotEqualTo("a");
    }

    @Test
    void theStoreKeepsKeysWhoseHashesCollideApart() {
        List<String> keys = colliding(8);
        assertThat(keys.stream().map(MemoryKey::hash).distinct()).hasSize(1);
        InMemoryIdempotencyStore store = InMemoryIdempotencyStore.create();
        Duration lease = Duration.ofMinutes(1);

        for (String key : keys) {
            assertThat(store.claim(key, "owner " + key, lease)).isEqualTo(ClaimResult.CLAIMED);
        }
        for (String key : keys) {
            assertThat(store.claim(key, "another", lease)).isEqualTo(ClaimResult.IN_PROGRESS);
            assertThat(store.complete(key, "owner " + key, Duration.ofHours(1))).isTrue();
            assertThat(store.claim(key, "another", lease)).isEqualTo(ClaimResult.COMPLETED);
        }
        assertThat(store.size()).isEqualTo(keys.size());
    }

    // 2^pairs keys of 8 * pairs characters with one hash: the first lane sees "A" then "a", or "B" then "B", in
    // every pair of its characters, and 31 * 'A' + 'a' == 31 * 'B' + 'B'.
    private static List<String> colliding(int pairs) {
        Set<String> keys = new HashSet<>();
        for (int bits = 0; bits < 1 << pairs; bits++) {
            StringBuilder key = new StringBuilder();
            for (int pair = 0; pair < pairs; pair++) {
                boolean b = (bits >> pair & 1) != 0;
                key.append(b ? 'B' : 'A').append("xyz").append(b ? 'B' : 'a').append("xyz");
            }
            keys.add(key.toString());
        }
        return new ArrayList<>(keys);
    }
}
