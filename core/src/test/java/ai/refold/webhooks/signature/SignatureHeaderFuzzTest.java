package ai.refold.webhooks.signature;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the signature header parser: any header value gives a {@link VerificationResult}, never an exception, and
 * VALID only for the true signature. Replays {@code SignatureHeaderFuzzTestInputs} in {@code mvn verify}.
 */
class SignatureHeaderFuzzTest {

    private static final String KEY = "rk_live_fuzz_3c9a1f7e5b2d8c4a";
    private static final SignatureVerifier VERIFIER = SignatureVerifier.builder().key("live", KEY).build();
    private static final SignatureVerifier PREFIXED = SignatureVerifier.builder()
            .scheme(SignatureScheme.header("X-Webhook-Signature").withPrefix("sha256=")).key("live", KEY).build();
    private static final WebhookSigner SIGNER = WebhookSigner.of(KEY);

    @FuzzTest(maxDuration = "5m")
    void anyHeaderValueGivesAResultAndOnlyTheTrueSignatureIsValid(FuzzedDataProvider data) {
        int shape = data.consumeInt(0, 3);
        byte[] body = data.consumeBytes(data.consumeInt(0, 512));
        String truth = SIGNER.sign(body);
        String header;
        switch (shape) {
            case 0:
                // an almost-true signature: one position replaced by a fuzzed character
                int position = data.consumeInt(0, truth.length() - 1);
                header = truth.substring(0, position) + data.consumeChar() + truth.substring(position + 1);
                break;
            case 1:
                header = data.consumeString(16) + truth + data.consumeString(16);
                break;
            default:
                header = data.consumeRemainingAsString();
        }

        VerificationResult result = VERIFIER.verify(header, body);
        VerificationResult prefixed = PREFIXED.verify(header, body);
        VerificationResult listed = VERIFIER.verify(List.of(header, header), body);

        assertThat(result).isNotNull();
        assertThat(prefixed).isNotNull();
        assertThat(listed).isEqualTo(result);
        String stripped = header.replaceAll("^[ \\t]+|[ \\t]+$", "");
        assertThat(result.isValid()).as("valid for '%s'", header)
                .isEqualTo(stripped.toLowerCase(Locale.ROOT).equals(truth) && isAsciiHex(stripped));
        if (prefixed.isValid()) {
            assertThat(stripped.toLowerCase(Locale.ROOT)).isEqualTo("sha256=" + truth);
        }
    }

    private static boolean isAsciiHex(String value) {
        return value.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
    }
}
