package ai.refold.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

class HeadersTest {

    @Test
    void looksNamesUpCaseInsensitively() {
        Headers headers = Headers.of("X-Cobalt-Signature", "abc");

        assertThat(headers.first("x-cobalt-signature")).contains("abc");
        assertThat(headers.all("X-COBALT-SIGNATURE")).containsExactly("abc");
        assertThat(headers.first("missing")).isEmpty();
        assertThat(headers.all("missing")).isEmpty();
    }

    @Test
    void mergesNamesThatDifferOnlyInCaseKeepingValueOrder() {
        Map<String, List<String>> raw = new LinkedHashMap<>();
        raw.put("X-Trace", List.of("1", "2"));
        raw.put("x-trace", List.of("3"));

        Headers headers = Headers.of(raw);

        assertThat(headers.all("X-TRACE")).containsExactly("1", "2", "3");
        assertThat(headers.names()).hasSize(1);
    }

    @Test
    void isASnapshot() {
        List<String> values = new ArrayList<>(List.of("a"));
        Headers headers = Headers.of(Map.of("X", values));
        values.add("b");

        assertThat(headers.all("x")).containsExactly("a");
        assertThatThrownBy(() -> headers.all("x").add("c")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> headers.names().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void comparesByContent() {
        assertThat(Headers.of("A", "1")).isEqualTo(Headers.builder().add("a", "1").build())
                .hasSameHashCodeAs(Headers.builder().add("a", "1").build());
        assertThat(Headers.empty().names()).isEmpty();
    }

    @Test
    void refusesNulls() {
        assertThatThrownBy(() -> Headers.of("x", null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Headers.builder().add(null, "v")).isInstanceOf(NullPointerException.class);
    }
}
