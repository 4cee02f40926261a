package ai.refold.webhooks.signature;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.Samples;
import ai.refold.webhooks.signature.VerificationResult.Status;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

class SignatureVerifierTest {

    private static final String API_KEY = "test-api-key-0123456789";
    private static final byte[] BODY = Samples.of(EventType.WORKFLOW_ERRORED);

    private final SignatureVerifier verifier = SignatureVerifier.builder().key("test", API_KEY).build();
    private final WebhookSigner signer = WebhookSigner.of(API_KEY);

    /** HMAC-SHA256 computed with the JDK alone, independently of the SDK's helper. */
    static String independentHmac(String key, byte[] body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(body));
    }

    @ParameterizedTest
    @EnumSource(EventType.class)
    void verifiesWhatTheSignerSignedForEverySample(EventType type) {
        byte[] body = Samples.of(type);

        VerificationResult result = verifier.verify(signer.sign(body), body);

        assertThat(result.status()).isEqualTo(Status.VALID);
        assertThat(result.keyLabel()).contains("test");
        assertThat(result.isValid()).isTrue();
    }

    @Test
    void signsWithLowercaseHexOfTheHmacOfTheExactBytes() throws Exception {
        String signature = signer.sign(BODY);

        assertThat(signature).isEqualTo(independentHmac(API_KEY, BODY)).matches("[0-9a-f]{64}");
        assertThat(signer.headerName()).isEqualTo("x-cobalt-signature");
    }

    // RFC 4231's vectors whose keys are text; HmacTest checks all of them on raw key bytes.
    static Stream<Arguments> rfc4231WithTextKeys() {
        return Stream.of(
                Arguments.of("test case 2", "Jefe", "what do ya want for nothing?".getBytes(StandardCharsets.US_ASCII),
                        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rfc4231WithTextKeys")
    void acceptsRfc4231DigestsUnderTheirKeys(String name, String key, byte[] data, String digest) {
        SignatureVerifier rfc = SignatureVerifier.builder().key("rfc", key).build();

        assertThat(rfc.verify(digest, data).status()).isEqualTo(Status.VALID);
        assertThat(WebhookSigner.of(key).sign(data)).isEqualTo(digest);
        assertThat(rfc.verify(digest, Arrays.copyOf(data, data.length - 1)).status()).isEqualTo(Status.MISMATCH);
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("keysBreakingThePolicy")
    void refusesKeysThatAreEmptyBlankPaddedPlaceholdersOrHoldControlCharacters(String key, String problem) {
        assertThatThrownBy(() -> SignatureVerifier.builder().key("live", key))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("API key for label 'live' " + problem);
        assertThatThrownBy(() -> SigningKey.requireValidApiKey(key, "refold.webhooks.keys.live"))
                .hasMessage("refold.webhooks.keys.live " + problem);
    }

    private static final String INVISIBLE =
            "contains an invisible formatting character (a byte order mark or zero-width space?)";

    static Stream<Arguments> keysBreakingThePolicy() {
        return Stream.of(
                Arguments.of("", "is empty"),
                Arguments.of("   ", "is blank"),
                Arguments.of("sk_live_abc\n", "contains white space (a pasted newline or space?)"),
                Arguments.of(" sk_live_abc", "contains white space (a pasted newline or space?)"),
                Arguments.of("sk live", "contains white space (a pasted newline or space?)"),
                Arguments.of("${REFOLD_API_KEY}", "is an unresolved ${...} placeholder: set the variable it names"),
                Arguments.of("\u000b".repeat(20), "is blank"),
                Arguments.of("key\u0000", "contains a control character"),
                Arguments.of("\ufeffsk_live_abc", INVISIBLE),
                Arguments.of("sk_live_\u200babc", INVISIBLE),
                Arguments.of("sk_live_abc\u2060", INVISIBLE));
    }

    @Test
    void agreesWithAnIndependentHmacOnTheDocumentedExample() throws Exception {
        // The compact JSON the documentation's Python sample signs; its published signature was made with a real
        // key nobody outside Refold knows, so the placeholder key stands in and the JDK checks the arithmetic.
        String placeholderKey = "<Cobalt-API-key>";
        byte[] body = ("{\"linked_account_id\":\"dev\",\"instance_id\":\"67d22c4330d75f3a3fa29056\","
                + "\"workflow_id\":\"67af37ad1d0bb61005439eaf\",\"event\":\"Workflow Completed\","
                + "\"workflow_name\":\"Get Response\",\"status\":\"COMPLETED\",\"environment\":\"test\"}")
                .getBytes(StandardCharsets.UTF_8);
        SignatureVerifier docs = SignatureVerifier.builder().key("docs", placeholderKey).build();
        String expected = independentHmac(placeholderKey, body);

        assertThat(expected).isEqualTo("aa01f39590b3f55d995d68034538ff57ee1c853a1e48c8501d8cd074771ccf5f");
        assertThat(docs.verify(expected, body).keyLabel()).contains("docs");
        assertThat(WebhookSigner.of(placeholderKey).sign(body)).isEqualTo(expected);
        assertThat(docs.verify("42799d46dfd9a8acf35c14e6b7c300cc3734d06a0ce129268f1b54096750a44f", body).status())
                .isEqualTo(Status.MISMATCH);
    }

    @Test
    void rejectsABodyChangedByOneByte() {
        String signature = signer.sign(BODY);
        for (int i = 0; i < BODY.length; i += 7) {
            byte[] altered = BODY.clone();
            altered[i] ^= 0x01;

            assertThat(verifier.verify(signature, altered).status()).as("byte %d", i).isEqualTo(Status.MISMATCH);
        }
        byte[] longer = Arrays.copyOf(BODY, BODY.length + 1);
        longer[BODY.length] = '\n';
        assertThat(verifier.verify(signature, longer).status()).isEqualTo(Status.MISMATCH);
    }

    @Test
    void rejectsASignatureMadeWithAnotherKey() {
        String forged = WebhookSigner.of("some-other-key").sign(BODY);

        VerificationResult result = verifier.verify(forged, BODY);

        assertThat(result.status()).isEqualTo(Status.MISMATCH);
        assertThat(result.keyLabel()).isEmpty();
        assertThat(result.isValid()).isFalse();
    }

    static Stream<Arguments> badHeaders() {
        String good = WebhookSigner.of(API_KEY).sign(BODY);
        return Stream.of(
                Arguments.of("truncated by two characters", good.substring(0, 62), Status.MALFORMED),
                Arguments.of("odd length", good.substring(0, 63), Status.MALFORMED),
                Arguments.of("one character too long", good + "0", Status.MALFORMED),
                Arguments.of("non-hex character", "g" + good.substring(1), Status.MALFORMED),
                Arguments.of("non-hex at the end", good.substring(0, 63) + "z", Status.MALFORMED),
                Arguments.of("base64 instead of hex", "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlq", Status.MALFORMED),
                Arguments.of("an unexpected prefix", "sha256=" + good, Status.MALFORMED),
                Arguments.of("space inside", good.substring(0, 32) + " " + good.substring(32), Status.MALFORMED),
                Arguments.of("full-width digits", "\uff10".repeat(64), Status.MALFORMED),
                Arguments.of("empty", "", Status.MISSING),
                Arguments.of("blank", "  \t ", Status.MISSING),
                Arguments.of("well formed but wrong", "0".repeat(64), Status.MISMATCH));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badHeaders")
    void reportsWhatIsWrongWithABadHeader(String description, String header, Status status) {
        VerificationResult result = verifier.verify(header, BODY);

        assertThat(result.status()).isEqualTo(status);
        assertThat(result.keyLabel()).isEmpty();
    }

    @Test
    void reportsAMissingHeaderAsMissing() {
        assertThat(verifier.verify((String) null, BODY).status()).isEqualTo(Status.MISSING);
        assertThat(verifier.verify(List.of(), BODY).status()).isEqualTo(Status.MISSING);
    }

    @Test
    void acceptsUppercaseHexAndSurroundingWhiteSpace() {
        String signature = signer.sign(BODY);

        assertThat(verifier.verify(signature.toUpperCase(Locale.ROOT), BODY).status()).isEqualTo(Status.VALID);
        assertThat(verifier.verify("  " + signature + "\t", BODY).status()).isEqualTo(Status.VALID);
        assertThat(verifier.verify("\t" + signature.toUpperCase(Locale.ROOT) + " ", BODY).status())
                .isEqualTo(Status.VALID);
    }

    @Test
    void reportsTheLabelOfTheSecondKeyWhenOnlyItMatches() {
        SignatureVerifier rotating = SignatureVerifier.builder()
                .key("live", "new-live-key")
                .key("live-previous", API_KEY)
                .build();

        VerificationResult result = rotating.verify(signer.sign(BODY), BODY);

        assertThat(result.status()).isEqualTo(Status.VALID);
        assertThat(result.keyLabel()).contains("live-previous");
        assertThat(rotating.verify(WebhookSigner.of("new-live-key").sign(BODY), BODY).keyLabel()).contains("live");
        assertThat(rotating.keyLabels()).containsExactly("live", "live-previous");
    }

    @Test
    void acceptsAHeaderRepeatedWithEqualValues() {
        String signature = signer.sign(BODY);

        assertThat(verifier.verify(List.of(signature, signature), BODY).status()).isEqualTo(Status.VALID);
        assertThat(verifier.verify(List.of(signature), BODY).status()).isEqualTo(Status.VALID);
        // One signature, its hex digits in either case: the same value, not two.
        assertThat(verifier.verify(List.of(signature, signature.toUpperCase(Locale.ROOT)), BODY).status())
                .isEqualTo(Status.VALID);
        assertThat(verifier.verify(List.of(signature.toUpperCase(Locale.ROOT), signature), BODY).status())
                .isEqualTo(Status.VALID);
    }

    @Test
    void reportsAHeaderRepeatedWithDifferentValuesAsAmbiguous() {
        String signature = signer.sign(BODY);
        String other = WebhookSigner.of("other").sign(BODY);

        assertThat(verifier.verify(List.of(signature, other), BODY).status()).isEqualTo(Status.AMBIGUOUS);
        assertThat(verifier.verify(List.of(other, signature), BODY).status()).isEqualTo(Status.AMBIGUOUS);
        assertThat(verifier.verify(List.of(signature, signature, other), BODY).status())
                .isEqualTo(Status.AMBIGUOUS);
    }

    @Test
    void readsAConfiguredHeaderAndRequiresItsPrefix() {
        SignatureScheme scheme = SignatureScheme.header("X-Webhook-Signature").withPrefix("sha256=");
        SigningKey key = SigningKey.of("partner", "whsec_partner");
        SignatureVerifier prefixed = SignatureVerifier.builder().scheme(scheme).key(key).build();
        WebhookSigner prefixedSigner = WebhookSigner.of(key, scheme);

        String signature = prefixedSigner.sign(BODY);

        assertThat(signature).startsWith("sha256=").hasSize(7 + 64);
        assertThat(prefixedSigner.headerName()).isEqualTo("x-webhook-signature");
        assertThat(prefixed.scheme().headerName()).isEqualTo("x-webhook-signature");
        assertThat(prefixed.verify(signature, BODY).keyLabel()).contains("partner");
        assertThat(prefixed.verify("SHA256=" + signature.substring(7).toUpperCase(Locale.ROOT), BODY).status())
                .isEqualTo(Status.VALID);
        assertThat(prefixed.verify(" " + signature + " ", BODY).status()).isEqualTo(Status.VALID);
        assertThat(prefixed.verify(signature.substring(7), BODY).status()).isEqualTo(Status.MALFORMED);
        assertThat(prefixed.verify("sha1=" + signature.substring(7), BODY).status()).isEqualTo(Status.MALFORMED);
        assertThat(prefixed.verify("sha256=", BODY).status()).isEqualTo(Status.MALFORMED);
    }

    @Test
    void verifiesUnicodeBodiesByTheirUtf8Bytes() throws Exception {
        byte[] body = "{\r\n\"event\":\"Workflow Errored\",\r\n\"instance_id\":\"Zoë-客户-🚀\"\r\n}"
                .getBytes(StandardCharsets.UTF_8);

        String signature = signer.sign(body);

        assertThat(signature).isEqualTo(independentHmac(API_KEY, body));
        assertThat(verifier.verify(signature, body).status()).isEqualTo(Status.VALID);
        byte[] lfOnly = new String(body, StandardCharsets.UTF_8).replace("\r\n", "\n").getBytes(StandardCharsets.UTF_8);
        assertThat(verifier.verify(signature, lfOnly).status()).isEqualTo(Status.MISMATCH);
    }

    @Test
    void usesTheUtf8BytesOfANonAsciiApiKey() throws Exception {
        String key = "clé-🔑";
        SignatureVerifier unicode = SignatureVerifier.builder().key("unicode", key).build();

        assertThat(unicode.verify(independentHmac(key, BODY), BODY).status()).isEqualTo(Status.VALID);
    }

    @Test
    void verifiesAnEmptyBody() throws Exception {
        byte[] empty = new byte[0];

        assertThat(verifier.verify(independentHmac(API_KEY, empty), empty).status()).isEqualTo(Status.VALID);
    }

    @Test
    void givesTheSameAnswersOnManyThreads() throws Exception {
        String signature = signer.sign(BODY);
        byte[] altered = BODY.clone();
        altered[5] ^= 1;
        Thread[] threads = new Thread[8];
        boolean[][] ok = new boolean[threads.length][1];
        for (int t = 0; t < threads.length; t++) {
            boolean[] mine = ok[t];
            threads[t] = new Thread(() -> {
                boolean all = true;
                for (int i = 0; i < 2_000; i++) {
                    all &= verifier.verify(signature, BODY).isValid();
                    all &= verifier.verify(signature, altered).status() == Status.MISMATCH;
                }
                mine[0] = all;
            });
            threads[t].start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        for (boolean[] result : ok) {
            assertThat(result[0]).isTrue();
        }
    }

    @Test
    void refusesToBuildWithoutKeysOrWithARepeatedLabel() {
        assertThatThrownBy(() -> SignatureVerifier.builder().build()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> SignatureVerifier.builder().key("a", "k1").key("a", "k2"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\t"})
    void refusesABlankLabel(String label) {
        assertThatThrownBy(() -> SigningKey.of(label, "key")).isInstanceOf(IllegalArgumentException.class);
    }

    // Its own type lets a caller (the Spring starter) tell a refused label from a refused key without the message.
    @Test
    void aRefusedLabelIsAnInvalidKeyLabelExceptionAndARefusedKeyIsNot() {
        Map<String, String> refusals = Map.of(" ", "key label must not be blank",
                "l".repeat(SigningKey.MAX_LABEL_LENGTH + 1), "key label must be at most 200 characters but had 201",
                "live\n", "key label must not hold a control character");
        refusals.forEach((label, message) -> {
            assertThatThrownBy(() -> SigningKey.of(label, "a-valid-test-api-key"))
                    .isInstanceOf(InvalidKeyLabelException.class).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage(message);
            assertThatThrownBy(() -> SigningKey.of(label, "a-valid-test-api-key", "refold.webhooks.keys.x"))
                    .isInstanceOf(InvalidKeyLabelException.class).hasMessage(message);
        });
        assertThatThrownBy(() -> SigningKey.of("live", "", "refold.webhooks.keys.live"))
                .isInstanceOf(IllegalArgumentException.class).isNotInstanceOf(InvalidKeyLabelException.class)
                .hasMessage("refold.webhooks.keys.live is empty");
    }

    @Test
    void refusesAnEmptyApiKeyWithoutEchoingIt() {
        assertThatThrownBy(() -> SigningKey.of("live", "")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("live");
        assertThatThrownBy(() -> WebhookSigner.of("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesAnInvalidHeaderName() {
        assertThatThrownBy(() -> SignatureScheme.header("x signature")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SignatureScheme.header("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SignatureScheme.header("x:sig")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesAVerificationResultWhoseLabelContradictsItsStatus() {
        assertThatThrownBy(() -> new VerificationResult(Status.VALID, Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new VerificationResult(Status.MISMATCH, Optional.of("live")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void manyMoreThreadsThanPooledMacsEachGetTheRightAnswer() throws Exception {
        SignatureVerifier twoKeys = SignatureVerifier.builder().key("old", "old-api-key").key("new", API_KEY).build();
        int threads = 48;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CyclicBarrier start = new CyclicBarrier(threads);
        try {
            List<Future<Integer>> wrong = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int seed = t;
                wrong.add(pool.submit(() -> {
                    start.await();
                    int mistakes = 0;
                    for (int i = 0; i < 2_000; i++) {
                        byte[] body = ("{\"n\":" + seed + "," + i + "}").getBytes(StandardCharsets.UTF_8);
                        String key = i % 2 == 0 ? API_KEY : "old-api-key";
                        VerificationResult valid = twoKeys.verify(WebhookSigner.of(key).sign(body), body);
                        VerificationResult forged = twoKeys.verify(WebhookSigner.of("forger").sign(body), body);
                        if (!valid.keyLabel().equals(Optional.of(i % 2 == 0 ? "new" : "old"))
                                || forged.status() != Status.MISMATCH) {
                            mistakes++;
                        }
                    }
                    return mistakes;
                }));
            }
            for (Future<Integer> future : wrong) {
                assertThat(future.get(2, TimeUnit.MINUTES)).isZero();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
