package ai.refold.webhooks.signature;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.stream.Stream;

import javax.crypto.spec.SecretKeySpec;

/** RFC 4231 test vectors for HMAC-SHA256, run through the helper the verifier and the signer share. */
class HmacTest {

    static Stream<Arguments> rfc4231() {
        byte[] key4 = new byte[25];
        for (int i = 0; i < key4.length; i++) {
            key4[i] = (byte) (i + 1);
        }
        return Stream.of(
                Arguments.of("test case 1", repeat(0x0b, 20), ascii("Hi There"),
                        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
                Arguments.of("test case 2", ascii("Jefe"), ascii("what do ya want for nothing?"),
                        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
                Arguments.of("test case 3", repeat(0xaa, 20), repeat(0xdd, 50),
                        "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
                Arguments.of("test case 4", key4, repeat(0xcd, 50),
                        "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
                Arguments.of("test case 6", repeat(0xaa, 131),
                        ascii("Test Using Larger Than Block-Size Key - Hash Key First"),
                        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
                Arguments.of("test case 7", repeat(0xaa, 131),
                        ascii("This is a test using a larger than block-size key and a larger than block-size data."
                                + " The key needs to be hashed before being used by the HMAC algorithm."),
                        "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rfc4231")
    void agreesWithRfc4231(String name, byte[] key, byte[] data, String expected) {
        byte[] mac = Hmac.newMac(new SecretKeySpec(key, Hmac.ALGORITHM)).doFinal(data);

        assertThat(HexFormat.of().formatHex(mac)).isEqualTo(expected);
        assertThat(mac).hasSize(Hmac.LENGTH);
    }

    @org.junit.jupiter.api.Test
    void agreesWithRfc4231TestCase5() {
        byte[] mac = Hmac.newMac(new SecretKeySpec(repeat(0x0c, 20), Hmac.ALGORITHM))
                .doFinal(ascii("Test With Truncation"));

        assertThat(HexFormat.of().formatHex(Arrays.copyOf(mac, 16))).isEqualTo("a3b6167473100ee06e0c796c2955552b");
    }

    static byte[] repeat(int value, int count) {
        byte[] bytes = new byte[count];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
