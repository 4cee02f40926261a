package ai.refold.webhooks.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * The reader of flat bodies is a shortcut, not a second parser: whatever the bytes, {@link EventParser#parse} answers
 * exactly what Jackson's reading of the same bytes answers (the same event, or the same refusal with the same
 * reason and message), and documented bodies take the shortcut.
 */
class FlatObjectReaderTest {

    private static final EventParser[] PARSERS = {
        EventParser.standard(),
        EventParser.withLimits(new ReadLimits(8, 12, 16, 11, 300)),
        EventParser.withLimits(new ReadLimits(1, 24, 1, 17, 4096)),
    };

    // Bytes that matter to JSON, to the shortcut's checks, or to UTF-8 detection.
    private static final byte[] ALPHABET = bytes("{}[]\":,\\ \t\n\r\f/azAZ019-+.eEnultrf_",
            0x00, 0x01, 0x1F, 0x7F, 0x80, 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xEF, 0xBB, 0xBF, 0xFF);

    @ParameterizedTest
    @EnumSource(EventType.class)
    void readsEveryDocumentedSampleWithoutJacksonToTheEventJacksonReads(EventType type) {
        for (byte[] body : List.of(Samples.of(type), compact(Samples.of(type)))) {
            WebhookEvent flat = FlatObjectReader.read(body, ReadLimits.defaults(), EventParser.standard());

            assertThat(flat).isNotNull().isEqualTo(EventParser.standard().parseWithJackson(body));
            assertThat(flat.getClass()).isEqualTo(type.eventClass());
        }
    }

    @Test
    void leavesEverythingButFlatPlainAsciiStringsToJackson() {
        for (String json : new String[] {
            "", " ", "[]", "\"x\"", "{", "{}x", "{\"a\":1}", "{\"a\":null}", "{\"a\":{}}", "{\"a\":\"\\n\"}",
            "{\"a\":\"\u00e9\"}", "{\"a\":\"b\",}", "{,}", "{\"a\" \"b\"}", "{\"a\":\"b\"\"c\":\"d\"}",
            "\ufeff{\"a\":\"b\"}", "{\"a\":\"b\"}\u000c", "{'a':'b'}", "{a:\"b\"}", "{\"a\":\"b\"}/**/"}) {
            byte[] body = json.getBytes(StandardCharsets.UTF_8);

            assertThat(FlatObjectReader.read(body, ReadLimits.defaults(), EventParser.standard())).as(json).isNull();
            assertSameAnswer(EventParser.standard(), body);
        }
    }

    @Test
    void answersARepeatedDocumentedFieldAsJacksonDoes() {
        byte[] body = "{\"event\":\"Workflow Errored\",\"instance_id\":\"a\",\"instance_id\":\"b\"}"
                .getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> FlatObjectReader.read(body, ReadLimits.defaults(), EventParser.standard()))
                .isInstanceOf(InvalidPayloadException.class).hasMessageContaining("instance_id");
        assertSameAnswer(EventParser.standard(), body);
    }

    @Test
    void answersStringsAndNamesAtEveryLengthAroundTheLimitsAsJacksonDoes() {
        EventParser small = PARSERS[1];
        for (int length = 0; length <= 16; length++) {
            String value = "v".repeat(length);
            String name = "n".repeat(length);
            for (String json : new String[] {
                "{\"event\":\"Workflow Errored\",\"instance_id\":\"" + value + "\"}",
                "{\"undocumented\":\"" + value + "\"}",
                "{\"" + name + "\":\"x\"}"}) {
                assertSameAnswer(small, json.getBytes(StandardCharsets.UTF_8));
            }
        }
        byte[] longBody = ("{\"slug\":\"" + "x".repeat(400) + "\"}").getBytes(StandardCharsets.UTF_8);
        assertSameAnswer(small, longBody);
    }

    @Test
    void answersMutatedDocumentedBodiesAsJacksonDoes() {
        Random random = new Random(20261130);
        List<byte[]> seeds = new ArrayList<>();
        for (EventType type : EventType.values()) {
            seeds.add(Samples.of(type));
            seeds.add(compact(Samples.of(type)));
        }
        seeds.add(bytes("{\"event\":\"Workflow Errored\",\"instance_id\":\"i\",\"note\":\"" + "p".repeat(70)
                + "\",\"environment\":\"live\"}"));
        int flat = 0;
        int mutants = 60_000;
        for (int n = 0; n < mutants; n++) {
            byte[] body = mutate(seeds.get(random.nextInt(seeds.size())), random);
            for (EventParser parser : PARSERS) {
                if (assertSameAnswer(parser, body)) {
                    flat++;
                }
            }
        }
        // The mutants must exercise the shortcut, not only Jackson.
        assertThat(flat).isGreaterThan(mutants / 20);
    }

    // Asserts that parse answers as Jackson does; returns whether the shortcut read the body.
    private static boolean assertSameAnswer(EventParser parser, byte[] body) {
        Object expected = answer(() -> parser.parseWithJackson(body));
        Object actual = answer(() -> parser.parse(body));
        assertThat(actual).as(new String(body, StandardCharsets.ISO_8859_1)).isEqualTo(expected);
        try {
            return FlatObjectReader.read(body, parser.limits(), parser) != null;
        } catch (InvalidPayloadException e) {
            return true;
        }
    }

    // The event (its class and value) or the refusal (its reason and message) a reading ends in.
    private static Object answer(java.util.function.Supplier<WebhookEvent> reading) {
        try {
            WebhookEvent event = reading.get();
            return List.of(event.getClass(), event);
        } catch (InvalidPayloadException e) {
            return List.of(e.reason(), Objects.toString(e.getMessage()));
        }
    }

    private static byte[] mutate(byte[] seed, Random random) {
        byte[] body = seed;
        for (int m = 1 + random.nextInt(3); m > 0; m--) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + 8);
            int at = random.nextInt(body.length + 1);
            switch (random.nextInt(6)) {
                case 0 -> { // replace one byte
                    out.write(body, 0, Math.min(at, body.length));
                    out.write(ALPHABET[random.nextInt(ALPHABET.length)]);
                    out.write(body, Math.min(at + 1, body.length), Math.max(0, body.length - at - 1));
                }
                case 1 -> { // insert one byte
                    out.write(body, 0, at);
                    out.write(ALPHABET[random.nextInt(ALPHABET.length)]);
                    out.write(body, at, body.length - at);
                }
                case 2 -> { // delete one byte
                    out.write(body, 0, Math.min(at, body.length));
                    out.write(body, Math.min(at + 1, body.length), Math.max(0, body.length - at - 1));
                }
                case 3 -> { // repeat a span, such as a field
                    int length = random.nextInt(Math.max(1, body.length - at) + 1);
                    int end = Math.min(body.length, at + length);
                    out.write(body, 0, end);
                    out.write(body, at, end - at);
                    out.write(body, end, body.length - end);
                }
                case 4 -> out.write(body, 0, at); // truncate
                default -> { // insert white space, legal or not
                    out.write(body, 0, at);
                    out.write(" \t\n\r\f".charAt(random.nextInt(5)));
                    out.write(body, at, body.length - at);
                }
            }
            body = out.toByteArray();
            if (body.length == 0) {
                break;
            }
        }
        return body;
    }

    // The body without the white space between tokens (the samples hold none inside strings but single spaces).
    private static byte[] compact(byte[] pretty) {
        String json = new String(pretty, StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder();
        boolean inString = false;
        for (char c : json.toCharArray()) {
            if (c == '"') {
                inString = !inString;
            }
            if (inString || !Character.isWhitespace(c)) {
                out.append(c);
            }
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String ascii, int... more) {
        byte[] text = ascii.getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = new byte[text.length + more.length];
        System.arraycopy(text, 0, all, 0, text.length);
        for (int i = 0; i < more.length; i++) {
            all[text.length + i] = (byte) more[i];
        }
        return all;
    }

    // Eight bytes at a time, then one: the first byte outside ASCII is found wherever it is, NULs included as ASCII.
    @Test
    void theAsciiPrefixEndsAtTheFirstByteOutsideAsciiWhereverItIs() {
        for (int length = 0; length <= 40; length++) {
            byte[] ascii = new byte[length];
            for (int i = 0; i < length; i++) {
                ascii[i] = (byte) (i % 3 == 0 ? 0 : 'a' + i % 26);
            }
            assertThat(FlatObjectReader.asciiPrefix(ascii)).as("all ASCII, length %d", length).isEqualTo(length);
            for (int at = 0; at < length; at++) {
                byte[] body = ascii.clone();
                body[at] = (byte) 0xC3;
                if (at + 1 < length) {
                    body[at + 1] = (byte) 0xFF;
                }
                assertThat(FlatObjectReader.asciiPrefix(body)).as("length %d, outside ASCII at %d", length, at)
                        .isEqualTo(at);
            }
        }
    }
}
