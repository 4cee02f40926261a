package ai.refold.webhooks.test.hardening;

import ai.refold.webhooks.Outcome;
import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.test.hardening.HostileRequest.Header;
import ai.refold.webhooks.test.hardening.HostileRequest.Request;
import ai.refold.webhooks.test.hardening.HostileRequest.Stream;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The catalogue of hostile requests: what anyone may send to a public webhook URL, each with the answer the SDK
 * defines. Core runs every row through {@code WebhookReceiver.receive}; each adapter runs the rows an HTTP client can
 * send ({@link HostileRequest#expressibleOverHttp()}) through a real server. Every row runs against a fresh
 * {@link CatalogueReceiver}.
 */
public final class HostileRequests {

    /** The API key the receiver knows as {@code live}. */
    public static final String LIVE_KEY = "rk_live_7f3a91c2e4b8d05f6a1c9e2b7d4f8a03";
    /** The API key the receiver knows as {@code previous}, as during a rotation. */
    public static final String PREVIOUS_KEY = "rk_live_previous_0b5e2d8c4a7f1e3d9c6b2a5f";
    /** A key the receiver does not know. */
    public static final String FOREIGN_KEY = "rk_live_someone_else_1d4c7b2a9e6f3d8c5b";
    /** Every key the receiver knows. */
    public static final List<String> RECEIVER_KEYS = List.of(LIVE_KEY, PREVIOUS_KEY);

    /** Instance id whose handler throws. */
    public static final String HANDLER_THROWS = "handler-throws";
    /** Instance id whose idempotency store is down. */
    public static final String STORE_DOWN = "store-down";
    /** Instance id another delivery is processing. */
    public static final String IN_PROGRESS = "in-progress";
    /** Instance id processed before. */
    public static final String ALREADY_DONE = "already-done";

    /** The event type no handler of the catalogue's receiver takes: its deliveries are acknowledged as ignored. */
    public static final EventType UNHANDLED = EventType.WORKFLOW_ERRORED;

    /**
     * The read deadline of the rows about slow bodies, far shorter than the default so that they run fast; the
     * other rows keep {@link WebhookReceiver#DEFAULT_READ_DEADLINE}.
     */
    public static final Duration SHORT_READ_DEADLINE = Duration.ofMillis(HostileRequests.SHORT_READ_DEADLINE_MILLIS);

    /** {@link #SHORT_READ_DEADLINE} in milliseconds, a constant for annotations. */
    public static final long SHORT_READ_DEADLINE_MILLIS = 300;

    /** The body budget of the rows about bytes in flight; the other rows keep the default. */
    public static final long SMALL_BODY_BUDGET = 64 * 1024;

    /**
     * Letters that stand for body content in the rows about 400 reasons: no answer to any row may contain them,
     * since a reason must never quote the body.
     */
    public static final String BODY_MARKER = "zqxj";

    static final String SIGNATURE = "x-cobalt-signature";
    static final int DEFAULT_LIMIT = 1 << 20;

    // Over HTTP, the honest-length row just over the limit is sent with Expect: 100-continue (see OverHttp.send), so
    // the 413 arrives before the upload starts; the chunked row just over the limit is read up to the limit, so its
    // unread rest is only the chunk terminator.
    private static final String UNREAD_REFUSAL = "a server refusing a body it has not read closes the connection;"
            + " a client still sending 50 MB sees the reset, not the 413";
    private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    private HostileRequests() {
    }

    /** {@return every row} */
    public static List<HostileRequest> all() {
        List<HostileRequest> rows = new ArrayList<>();
        bodies(rows);
        jsonStructure(rows);
        fields(rows);
        signatures(rows);
        methodsAndHeaders(rows);
        framing(rows);
        pipelineStates(rows);
        safeByDefault(rows);
        return List.copyOf(rows);
    }

    /** {@return the rows an HTTP client can send} */
    public static List<HostileRequest> overHttp() {
        return all().stream().filter(HostileRequest::expressibleOverHttp).collect(Collectors.toList());
    }

    /**
     * {@return the {@code x-cobalt-signature} value Refold would send for {@code body} under {@code apiKey}: the hex
     * HMAC-SHA256, computed here without the key policy, so that a row can sign with a key no receiver accepts}
     *
     * @param apiKey the key to sign with, valid or not
     * @param body   the body to sign, exactly as it will be sent
     */
    public static String sign(String apiKey, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(apiKey.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }

    /**
     * {@return a Workflow Completed body for {@code instanceId}}
     *
     * @param instanceId the {@code instance_id}, which the standard idempotency key is built from
     */
    public static byte[] workflow(String instanceId) {
        return utf8("{\"event\":\"Workflow Completed\",\"instance_id\":\"" + instanceId
                + "\",\"workflow_id\":\"6495792b9b6ca6d77a17e513\",\"status\":\"COMPLETED\"}");
    }

    private static void bodies(List<HostileRequest> rows) {
        rows.add(row("an empty body, correctly signed, is an invalid payload")
                .body(new byte[0]).expect(Outcome.INVALID_PAYLOAD));
        rows.add(row("a body of only white space, correctly signed, is an invalid payload")
                .body(" \r\n\t  \n").expect(Outcome.INVALID_PAYLOAD));
        rows.add(row("a UTF-8 byte order mark before a valid body is skipped by the parser and the event processed")
                .body(() -> concat(BOM, workflow("bom"))).expect(Outcome.PROCESSED));
        rows.add(row("a signature over the body without its byte order mark does not match: the raw bytes are signed")
                .body(() -> concat(BOM, workflow("bom-stripped"))).signatureOver(() -> workflow("bom-stripped"))
                .expect(Outcome.SIGNATURE_MISMATCH));
        rows.add(row("invalid UTF-8 inside a documented string field is an invalid payload")
                .body(() -> concat(utf8("{\"event\":\"Workflow Completed\",\"instance_id\":\"a"),
                        new byte[] {(byte) 0xC3, 0x28}, utf8("\"}")))
                .expect(Outcome.INVALID_PAYLOAD));
        rows.add(row("invalid UTF-8 inside an undocumented string field is an invalid payload")
                .body(() -> concat(utf8("{\"event\":\"Workflow Completed\",\"instance_id\":\"a\",\"note\":\""),
                        new byte[] {(byte) 0xFF, (byte) 0xFE, (byte) 0x80}, utf8("\"}")))
                .expect(Outcome.INVALID_PAYLOAD));
        rows.add(row("a raw NUL byte inside a string is an invalid payload")
                .body(() -> concat(utf8("{\"event\":\"Workflow Completed\",\"instance_id\":\"a"),
                        new byte[] {0}, utf8("b\"}")))
                .expect(Outcome.INVALID_PAYLOAD));
        rows.add(row("NUL bytes between the tokens are an invalid payload")
                .body(() -> concat(new byte[] {0, 0}, workflow("nul-before"))).expect(Outcome.INVALID_PAYLOAD));
        rows.add(row("an escaped NUL inside a string is valid JSON and the event is processed")
                .body("{\"event\":\"Workflow Completed\",\"instance_id\":\"a\\u0000b\"}").expect(Outcome.PROCESSED));
        rows.add(row("escaped unicode and surrogate pairs in a documented field are decoded and the event processed")
                .body("{\"event\":\"Workflow Completed\",\"instance_id\":\"\\u00e9\\ud83d\\ude00\u00e9\uD83D\uDE00\"}")
                .expect(Outcome.PROCESSED));
        rows.add(row("a lone escaped surrogate in a documented field is kept as sent and the event processed")
                .body("{\"event\":\"Workflow Completed\",\"instance_id\":\"\\ud800x\"}").expect(Outcome.PROCESSED));
        rows.add(row("a body encoded as UTF-16 is an invalid payload: deliveries are UTF-8")
                .body(() -> "{\"event\":\"Workflow Completed\",\"instance_id\":\"utf16\"}"
                        .getBytes(StandardCharsets.UTF_16BE))
                .expect(Outcome.INVALID_PAYLOAD));
        rows.add(row("a body larger than the limit with an honest length is refused before it is read")
                .body(() -> padded(workflow("too-large"), DEFAULT_LIMIT + 1)).expect(Outcome.PAYLOAD_TOO_LARGE));
        rows.add(row("a 50 MB body with the default limit is refused before it is read")
                .body(() -> stringField("blob", 50_000_000)).notOverHttp(UNREAD_REFUSAL)
                .expect(Outcome.PAYLOAD_TOO_LARGE));
        rows.add(row("a 50 MB body of unknown length with the default limit is refused once the limit is passed")
                .body(() -> stringField("blob", 50_000_000)).unknownLength().notOverHttp(UNREAD_REFUSAL)
                .expect(Outcome.PAYLOAD_TOO_LARGE));
        rows.add(row("a 50 MB documented string under a raised body limit is refused by the string length limit")
                .maxBodyBytes(64 << 20).body(() -> documentedString(50_000_000)).expect(Outcome.INVALID_PAYLOAD));
        rows.add(row("a 50 MB undocumented string under a raised body limit is skipped without being copied")
                .maxBodyBytes(64 << 20).body(() -> stringField("blob", 50_000_000)).expect(Outcome.PROCESSED));
        rows.add(row("a body of exactly the limit is read whole and processed")
                .body(() -> padded(workflow("at-limit"), DEFAULT_LIMIT)).unknownLength().expect(Outcome.PROCESSED));
        rows.add(row("a body of unknown length one byte over the limit is refused")
                .body(() -> padded(workflow("over-limit"), DEFAULT_LIMIT + 1)).unknownLength()
                .expect(Outcome.PAYLOAD_TOO_LARGE));
    }

    private static void jsonStructure(List<HostileRequest> rows) {
        rows.add(row("JSON nested 100,000 arrays deep, correctly signed, is refused by the depth limit")
                .body(() -> nested("{\"event\":\"Workflow Completed\",\"instance_id\":\"deep\",\"x\":", "[", "]",
                        100_000, "}"))
                .expect(Outcome.INVALID_PAYLOAD));
        rows.add(row("JSON nested 100,000 objects deep, correctly signed, is refused by the depth limit")
                .body(() -> nested("", "{\"a\":", "}", 100_000, "")).expect(Outcome.INVALID_PAYLOAD));
        rows.add(row("arrays nested 64 deep inside the top-level object make depth 65, one past the limit")
                .body(() -> nested("{\"event\":\"Workflow Completed\",\"instance_id\":\"d65\",\"x\":", "[", "]", 64,
                        "}"))
                .expect(Outcome.INVALID_PAYLOAD));
        rows.add(row("arrays nested 63 deep inside the top-level object make depth 64, within the limit, and are processed")
                .body(() -> nested("{\"event\":\"Workflow Completed\",\"instance_id\":\"d63\",\"x\":", "[", "]", 63,
                        "}"))
                .expect(Outcome.PROCESSED));
        rows.add(row("a JSON array at the top level is an invalid payload")
                .body("[{\"event\":\"Workflow Completed\",\"instance_id\":\"in-array\"}]")
                .expect(Outcome.INVALID_PAYLOAD));
        rows.add(row("a JSON string at the top level is an invalid payload")
                .body("\"Workflow Completed\"").expect(Outcome.INVALID_PAYLOAD));
        rows.add(row("a JSON number at the top level is an invalid payload").body("42").expect(Outcome.INVALID_PAYLOAD));
        rows.add(row("JSON null at the top level is an invalid payload").body("null").expect(Outcome.INVALID_PAYLOAD));
        rows.add(row("trailing garbage after the object is an invalid payload")
                .body(() -> concat(workflow("trailing"), utf8("garbage"))).expect(Outcome.INVALID_PAYLOAD));
        rows.add(row("a second object after the first is an invalid payload")
                .body(() -> concat(workflow("first"), workflow("second"))).expect(Outcome.INVALID_PAYLOAD));
        rows.add(row("an unterminated object is an invalid payload")
                .body("{\"event\":\"Workflow Completed\",\"instance_id\":\"open\"").expect(Outcome.INVALID_PAYLOAD));
        rows.add(row("a single quote instead of double quotes is an invalid payload")
                .body("{'event':'Workflow Completed','instance_id':'quoted'}").expect(Outcome.INVALID_PAYLOAD));
        rows.add(row("a comment inside the object is an invalid payload")
                .body("{/* hi */\"event\":\"Workflow Completed\",\"instance_id\":\"comment\"}")
                .expect(Outcome.INVALID_PAYLOAD));
        rows.add(row("a 500-digit number in an undocumented field is refused by the number length limit")
                .body(() -> utf8("{\"event\":\"Workflow Completed\",\"instance_id\":\"n\",\"n\":" + "9".repeat(500)
                        + "}"))
                .expect(Outcome.INVALID_PAYLOAD));
        rows.add(row("a huge exponent in an undocumented field is skipped without being evaluated")
                .body("{\"event\":\"Workflow Completed\",\"instance_id\":\"exp\",\"n\":1e999999999}")
                .expect(Outcome.PROCESSED));
        rows.add(row("NaN as a value is an invalid payload")
                .body("{\"event\":\"Workflow Completed\",\"instance_id\":\"nan\",\"n\":NaN}")
                .expect(Outcome.INVALID_PAYLOAD));
        rows.add(row("200,000 small undocumented fields within a raised limit are skipped and the event processed")
                .maxBodyBytes(8 << 20).body(HostileRequests::manyFields).expect(Outcome.PROCESSED));
        rows.add(row("a field name of 2,000 characters is refused by the name length limit")
                .body(() -> utf8("{\"event\":\"Workflow Completed\",\"instance_id\":\"name\",\"" + "k".repeat(2000)
                        + "\":1}"))
                .expect(Outcome.INVALID_PAYLOAD));
    }

    private static void fields(List<HostileRequest> rows) {
        rows.add(row("a documented field sent twice is an invalid payload: its value would be ambiguous")
                .body("{\"event\":\"Workflow Completed\",\"instance_id\":\"a\",\"instance_id\":\"b\"}")
                .expect(Outcome.INVALID_PAYLOAD));
        rows.add(row("the event field sent twice is an invalid payload")
                .body("{\"event\":\"Workflow Completed\",\"event\":\"Workflow Errored\",\"instance_id\":\"a\"}")
                .expect(Outcome.INVALID_PAYLOAD));
        rows.add(row("a field name spelling event with a unicode escape is the event field, so sent twice")
                .body("{\"event\":\"Workflow Completed\",\"\\u0065vent\":\"Workflow Errored\",\"instance_id\":\"a\"}")
                .expect(Outcome.INVALID_PAYLOAD));
        rows.add(row("an identifying field name spelled with a unicode escape is that field, so sent twice")
                .body("{\"event\":\"Workflow Completed\",\"instance_id\":\"a\",\"instance\\u005fid\":\"b\"}")
                .expect(Outcome.INVALID_PAYLOAD));
        rows.add(row("a field Event in another case is not the event field: the event it names is processed")
                .body("{\"event\":\"Workflow Completed\",\"Event\":\"" + UNHANDLED.wireName()
                        + "\",\"instance_id\":\"cased-name\"}")
                .expect(Outcome.PROCESSED));
        rows.add(row("bytes after the top-level object are an invalid payload, not ignored")
                .body("{\"event\":\"Workflow Completed\",\"instance_id\":\"a\"} trailing")
                .expect(Outcome.INVALID_PAYLOAD));
        rows.add(row("an undocumented field sent twice is not looked at and the event processed")
                .body("{\"event\":\"Workflow Completed\",\"instance_id\":\"dup\",\"note\":1,\"note\":2}")
                .expect(Outcome.PROCESSED));
        rows.add(row("an event field that is a number makes an unknown event, which is processed")
                .body("{\"event\":42,\"instance_id\":\"numeric-event\"}").expect(Outcome.PROCESSED));
        rows.add(row("an event field that is null makes an unknown event, which is processed")
                .body("{\"event\":null,\"instance_id\":\"null-event\"}").expect(Outcome.PROCESSED));
        rows.add(row("an event field that is an object makes an unknown event, which is processed")
                .body("{\"event\":{\"name\":\"Workflow Completed\"},\"instance_id\":\"object-event\"}")
                .expect(Outcome.PROCESSED));
        rows.add(row("an event name in another case is an unknown event, which is processed")
                .body("{\"event\":\"workflow completed\",\"instance_id\":\"lower\"}").expect(Outcome.PROCESSED));
        rows.add(row("a known event with a documented field of the wrong type is an invalid payload")
                .body("{\"event\":\"Workflow Completed\",\"instance_id\":123}").expect(Outcome.INVALID_PAYLOAD));
        rows.add(row("a known event with a documented field holding an object is an invalid payload")
                .body("{\"event\":\"Connection Created\",\"linked_account_id\":{\"id\":1},\"slug\":\"hubspot\"}")
                .expect(Outcome.INVALID_PAYLOAD));
        rows.add(row("a known event with a null identifying field is an unknown event, which is processed")
                .body("{\"event\":\"Workflow Completed\",\"instance_id\":null}").expect(Outcome.PROCESSED));
        rows.add(row("an empty object is an unknown event, which is processed").body("{}").expect(Outcome.PROCESSED));
    }

    private static void signatures(List<HostileRequest> rows) {
        rows.add(row("a request without a signature header is refused as missing")
                .body(() -> workflow("unsigned")).headers(signature -> List.of()).expect(Outcome.SIGNATURE_MISSING));
        rows.add(row("an empty signature header is refused as missing")
                .body(() -> workflow("empty-signature")).signatureValue(signature -> "")
                .expect(Outcome.SIGNATURE_MISSING));
        rows.add(row("a signature header of only white space is refused as missing")
                .body(() -> workflow("blank-signature")).signatureValue(signature -> "   \t ")
                .expect(Outcome.SIGNATURE_MISSING));
        rows.add(row("the signature only under another header name is refused as missing")
                .body(() -> workflow("other-header"))
                .headers(signature -> List.of(new Header("x-webhook-signature", signature)))
                .expect(Outcome.SIGNATURE_MISSING));
        rows.add(row("the signature header twice with different values is refused as ambiguous")
                .body(() -> workflow("two-signatures"))
                .headers(signature -> List.of(new Header(SIGNATURE, signature),
                        new Header(SIGNATURE, sign(FOREIGN_KEY, workflow("two-signatures")))))
                .expect(Outcome.SIGNATURE_AMBIGUOUS));
        rows.add(row("the signature header twice with the same value is verified and processed")
                .body(() -> workflow("same-twice"))
                .headers(signature -> List.of(new Header(SIGNATURE, signature), new Header(SIGNATURE, signature)))
                .expect(Outcome.PROCESSED));
        rows.add(row("a signature header of 100 KB is refused as malformed")
                .body(() -> workflow("huge-header")).signatureValue(signature -> "a".repeat(100_000))
                .expect(Outcome.SIGNATURE_MALFORMED));
        rows.add(row("a signature with a sha256= prefix is refused as malformed under Refold's scheme")
                .body(() -> workflow("prefixed")).signatureValue(signature -> "sha256=" + signature)
                .expect(Outcome.SIGNATURE_MALFORMED));
        rows.add(row("a signature in uppercase hex is verified and processed")
                .body(() -> workflow("uppercase")).signatureValue(signature -> signature.toUpperCase(Locale.ROOT))
                .expect(Outcome.PROCESSED));
        rows.add(row("a signature surrounded by spaces and tabs is verified and processed")
                .body(() -> workflow("padded")).signatureValue(signature -> " \t" + signature + "\t ")
                .expect(Outcome.PROCESSED));
        rows.add(row("the signature header name in odd case is found and the event processed")
                .body(() -> workflow("odd-case"))
                .headers(signature -> List.of(new Header("X-CoBaLt-SiGnAtUrE", signature)))
                .expect(Outcome.PROCESSED));
        rows.add(row("a signature of a different body does not match")
                .body(() -> workflow("this-body")).signatureOver(() -> workflow("that-body"))
                .expect(Outcome.SIGNATURE_MISMATCH));
        rows.add(row("a signature made with a key the receiver does not know does not match")
                .body(() -> workflow("foreign-key")).signedWith(FOREIGN_KEY).expect(Outcome.SIGNATURE_MISMATCH));
        rows.add(row("a signature made with the previous key of a rotation is verified and processed")
                .body(() -> workflow("rotation")).signedWith(PREVIOUS_KEY).expect(Outcome.PROCESSED));
        rows.add(row("a signature of the empty body sent with a non-empty body does not match")
                .body(() -> workflow("empty-signed")).signatureOver(() -> new byte[0])
                .expect(Outcome.SIGNATURE_MISMATCH));
        rows.add(row("a re-serialised body with the original signature does not match: the raw bytes are signed")
                .body(() -> utf8(new String(workflow("reserialised"), StandardCharsets.UTF_8).replace(",", ", ")))
                .signatureOver(() -> workflow("reserialised")).expect(Outcome.SIGNATURE_MISMATCH));
        rows.add(row("a truncated signature is refused as malformed")
                .body(() -> workflow("truncated")).signatureValue(signature -> signature.substring(0, 63))
                .expect(Outcome.SIGNATURE_MALFORMED));
        rows.add(row("a signature with one hex digit too many is refused as malformed")
                .body(() -> workflow("too-long")).signatureValue(signature -> signature + "0")
                .expect(Outcome.SIGNATURE_MALFORMED));
        rows.add(row("a signature with non-hex characters is refused as malformed")
                .body(() -> workflow("non-hex")).signatureValue(signature -> "g" + signature.substring(1))
                .expect(Outcome.SIGNATURE_MALFORMED));
        rows.add(row("a signature with embedded white space is refused as malformed")
                .body(() -> workflow("embedded-space"))
                .signatureValue(signature -> signature.substring(0, 32) + " " + signature.substring(33))
                .expect(Outcome.SIGNATURE_MALFORMED));
        rows.add(row("a signature in base64 instead of hex is refused as malformed")
                .body(() -> workflow("base64"))
                .signatureValue(signature -> java.util.Base64.getEncoder().encodeToString(
                        java.util.HexFormat.of().parseHex(signature)))
                .expect(Outcome.SIGNATURE_MALFORMED));
        rows.add(row("a signature with fullwidth digits is refused as malformed")
                .body(() -> workflow("fullwidth")).signatureValue(signature -> "\uFF10" + signature.substring(1))
                .notOverHttp("HTTP header values are ISO-8859-1; a client cannot send U+FF10")
                .expect(Outcome.SIGNATURE_MALFORMED));
        rows.add(row("a signature that is all zeros is well formed but does not match")
                .body(() -> workflow("zeros")).signatureValue(signature -> "0".repeat(64))
                .expect(Outcome.SIGNATURE_MISMATCH));
    }

    private static void methodsAndHeaders(List<HostileRequest> rows) {
        for (String method : List.of("GET", "DELETE", "OPTIONS")) {
            rows.add(row("a correctly signed " + method + " is refused with the methods allowed")
                    .method(method).body(() -> workflow("method-" + method)).expect(Outcome.METHOD_NOT_ALLOWED));
        }
        rows.add(row("a correctly signed lowercase post is refused: methods are case-sensitive")
                .method("post").body(() -> workflow("lowercase-post")).expect(Outcome.METHOD_NOT_ALLOWED));
        rows.add(row("an empty method is refused with the methods allowed")
                .method("").body(() -> workflow("empty-method")).notOverHttp("HTTP cannot carry an empty method")
                .expect(Outcome.METHOD_NOT_ALLOWED));
        rows.add(row("a correctly signed PUT is processed: Refold subscriptions may use PUT")
                .method("PUT").body(() -> workflow("put")).expect(Outcome.PROCESSED));
        rows.add(row("a correctly signed PATCH is processed: Refold subscriptions may use PATCH")
                .method("PATCH").body(() -> workflow("patch")).expect(Outcome.PROCESSED));
        rows.add(row("a text/plain content type does not matter: the signed bytes are verified and processed")
                .body(() -> workflow("text-plain")).header("Content-Type", "text/plain").expect(Outcome.PROCESSED));
        rows.add(row("a form content type does not make the body read as form fields; it is verified and processed")
                .body(() -> workflow("form")).header("Content-Type", "application/x-www-form-urlencoded")
                .expect(Outcome.PROCESSED));
        rows.add(row("a UTF-16 charset in the content type does not change how the UTF-8 body is read")
                .body(() -> workflow("charset")).header("Content-Type", "application/json; charset=UTF-16")
                .expect(Outcome.PROCESSED));
        rows.add(row("a hundred unrelated headers do not matter: the event is processed")
                .body(() -> workflow("many-headers")).headers(signature -> {
                    List<Header> headers = new ArrayList<>();
                    for (int i = 0; i < 100; i++) {
                        headers.add(new Header("x-noise-" + i, "value-" + i));
                    }
                    headers.add(new Header(SIGNATURE, signature));
                    return headers;
                })
                .expect(Outcome.PROCESSED));
    }

    private static void framing(List<HostileRequest> rows) {
        String framing = "HTTP clients set Content-Length from the body; a lying length breaks the connection's framing";
        rows.add(row("a declared length shorter than the body stops the read there; the signed prefix is processed")
                .body(() -> concat(workflow("short-declared"), utf8("{\"injected\":true}")))
                .signatureOver(() -> workflow("short-declared")).contentLength(workflow("short-declared").length)
                .notOverHttp(framing).expect(Outcome.PROCESSED));
        rows.add(row("a small declared length on a body larger than the limit reads only the declared bytes")
                .body(() -> padded(workflow("lying-small"), 2 * DEFAULT_LIMIT)).contentLength(100)
                .notOverHttp(framing).expect(Outcome.SIGNATURE_MISMATCH));
        rows.add(row("a declared length larger than the body is an unreadable body")
                .body(() -> workflow("long-declared")).contentLength(workflow("long-declared").length + 100L)
                .notOverHttp(framing).expect(Outcome.BODY_UNREADABLE));
        rows.add(row("a declared length over the limit on a small body is refused before it is read")
                .body(() -> workflow("lying-large")).contentLength(DEFAULT_LIMIT + 1L).notOverHttp(framing)
                .expect(Outcome.PAYLOAD_TOO_LARGE));
        rows.add(row("a declared length beyond two gigabytes is refused before it is read")
                .body(() -> workflow("beyond-int")).contentLength(Long.MAX_VALUE).notOverHttp(framing)
                .expect(Outcome.PAYLOAD_TOO_LARGE));
        rows.add(row("a connection that fails in the middle of a body of declared length is an unreadable body")
                .body(() -> workflow("reset")).contentLength(workflow("reset").length * 2L)
                .stream(Stream.FAILS_AFTER_BODY).notOverHttp("a client cannot reset its connection on cue")
                .expect(Outcome.BODY_UNREADABLE));
        rows.add(row("a connection that fails in the middle of a body of unknown length is an unreadable body")
                .body(() -> workflow("reset-chunked")).unknownLength().stream(Stream.FAILS_AFTER_BODY)
                .notOverHttp("a client cannot reset its connection on cue").expect(Outcome.BODY_UNREADABLE));
        rows.add(row("a body that arrives one byte at a time is read whole and processed")
                .body(() -> workflow("slow")).stream(Stream.ONE_BYTE_AT_A_TIME)
                .notOverHttp("the server's reads cannot be paced from the client").expect(Outcome.PROCESSED));
        rows.add(row("a body of unknown length arriving one byte at a time is read whole and processed")
                .body(() -> workflow("slow-chunked")).unknownLength().stream(Stream.ONE_BYTE_AT_A_TIME)
                .notOverHttp("the server's reads cannot be paced from the client").expect(Outcome.PROCESSED));
        rows.add(row("a valid body of unknown length is read whole and processed")
                .body(() -> workflow("chunked")).unknownLength().expect(Outcome.PROCESSED));
    }

    private static void pipelineStates(List<HostileRequest> rows) {
        rows.add(row("a valid delivery whose handler throws answers 500 so that it is retried")
                .body(() -> workflow(HANDLER_THROWS)).expect(Outcome.HANDLER_FAILED));
        rows.add(row("a valid delivery while the idempotency store is down answers 503")
                .body(() -> workflow(STORE_DOWN)).expect(Outcome.STORE_UNAVAILABLE));
        rows.add(row("a valid delivery of an event another delivery is processing answers 409")
                .body(() -> workflow(IN_PROGRESS)).expect(Outcome.IN_PROGRESS));
        rows.add(row("a valid delivery of an event processed before is acknowledged as a duplicate")
                .body(() -> workflow(ALREADY_DONE)).expect(Outcome.DUPLICATE));
        rows.add(row("a documented sample with a hostile header-injection attempt in a field is processed as data")
                .body("{\"event\":\"Workflow Completed\",\"instance_id\":\"x\\r\\nSet-Cookie: a=b\"}")
                .expect(Outcome.PROCESSED));
    }

    // The cases of "safe by default" (issue 16) that a request can express.
    private static void safeByDefault(List<HostileRequest> rows) {
        rows.add(row("a delivery signed with an unresolved placeholder's text is refused: such a key cannot be"
                + " configured").body(() -> workflow("placeholder-key")).signedWith("${REFOLD_API_KEY}")
                .expect(Outcome.SIGNATURE_MISMATCH));
        rows.add(row("a 512 KiB body without a signature header is refused before any of it is read")
                .body(() -> padded(workflow("unsigned-large"), 512 * 1024)).headers(signature -> List.of())
                .expect(Outcome.SIGNATURE_MISSING));
        rows.add(row("a 512 KiB body with a malformed signature header is refused before any of it is read")
                .body(() -> padded(workflow("malformed-large"), 512 * 1024))
                .signatureValue(signature -> signature.substring(0, 40))
                .expect(Outcome.SIGNATURE_MALFORMED));
        rows.add(row("a body that stops arriving halfway is answered 408 once the read deadline passes")
                .readDeadline(SHORT_READ_DEADLINE).body(() -> workflow("stalls")).stream(Stream.STALLS)
                .expect(Outcome.READ_TIMEOUT));
        rows.add(row("a body of unknown length that stops arriving halfway is answered 408 at the read deadline")
                .readDeadline(SHORT_READ_DEADLINE).body(() -> workflow("stalls-chunked")).unknownLength()
                .stream(Stream.STALLS).expect(Outcome.READ_TIMEOUT));
        rows.add(row("a declared length the body budget cannot hold is answered 503 before the body is read")
                .bodyBudget(SMALL_BODY_BUDGET).body(() -> padded(workflow("over-budget"), 100 * 1024))
                .expect(Outcome.BUSY));
        rows.add(row("a body of unknown length that outgrows the body budget is answered 503")
                .bodyBudget(SMALL_BODY_BUDGET).body(() -> padded(workflow("over-budget-chunked"),
                        (int) SMALL_BODY_BUDGET + 1)).unknownLength()
                .expect(Outcome.BUSY));
        rows.add(row("a signed event no handler takes is acknowledged as ignored, and nothing runs")
                .body("{\"event\":\"" + UNHANDLED.wireName() + "\",\"instance_id\":\"unhandled\"}")
                .expect(Outcome.IGNORED));
        rows.add(row("a body of bare letters is an invalid payload whose reason quotes none of them")
                .body(BODY_MARKER.repeat(4)).expect(Outcome.INVALID_PAYLOAD));
        rows.add(row("an unquoted word as a value is an invalid payload whose reason quotes none of it")
                .body("{\"a\":" + BODY_MARKER + "}").expect(Outcome.INVALID_PAYLOAD));
        rows.add(row("an unterminated string is an invalid payload whose reason quotes none of it")
                .body("{\"event\":\"Workflow Completed\",\"instance_id\":\"" + BODY_MARKER + BODY_MARKER)
                .expect(Outcome.INVALID_PAYLOAD));
    }

    private static Row row(String description) {
        return new Row(description);
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    // A valid body whose last bytes before the closing brace are spaces, so that it is exactly `size` bytes long.
    static byte[] padded(byte[] body, int size) {
        byte[] padded = Arrays.copyOf(body, size);
        Arrays.fill(padded, body.length - 1, size - 1, (byte) ' ');
        padded[size - 1] = '}';
        return padded;
    }

    private static byte[] stringField(String name, int length) {
        byte[] head = utf8("{\"event\":\"Workflow Completed\",\"instance_id\":\"big\",\"" + name + "\":\"");
        byte[] body = new byte[head.length + length + 2];
        System.arraycopy(head, 0, body, 0, head.length);
        Arrays.fill(body, head.length, head.length + length, (byte) 'x');
        body[body.length - 2] = '"';
        body[body.length - 1] = '}';
        return body;
    }

    private static byte[] documentedString(int length) {
        byte[] head = utf8("{\"event\":\"Workflow Completed\",\"instance_id\":\"");
        byte[] body = new byte[head.length + length + 2];
        System.arraycopy(head, 0, body, 0, head.length);
        Arrays.fill(body, head.length, head.length + length, (byte) 'x');
        body[body.length - 2] = '"';
        body[body.length - 1] = '}';
        return body;
    }

    private static byte[] nested(String head, String open, String close, int depth, String tail) {
        StringBuilder json = new StringBuilder(head.length() + depth * (open.length() + close.length()) + 16);
        json.append(head).append(open.repeat(depth)).append("1").append(close.repeat(depth)).append(tail);
        return utf8(json.toString());
    }

    private static byte[] manyFields() {
        StringBuilder json = new StringBuilder(4_000_000);
        json.append("{\"event\":\"Workflow Completed\",\"instance_id\":\"many-fields\"");
        for (int i = 0; i < 200_000; i++) {
            json.append(",\"f").append(i).append("\":1");
        }
        return utf8(json.append('}').toString());
    }

    /** Builds one row. */
    private static final class Row {
        private final String description;
        private String method = "POST";
        private Supplier<byte[]> body;
        private Supplier<byte[]> signedBody;
        private String key = LIVE_KEY;
        private Function<String, List<Header>> headers = signature -> List.of(new Header(SIGNATURE, signature));
        private final List<Header> extraHeaders = new ArrayList<>();
        private Long contentLength;
        private boolean unknownLength;
        private Stream stream = Stream.WHOLE;
        private int maxBodyBytes = DEFAULT_LIMIT;
        private Duration readDeadline = WebhookReceiver.DEFAULT_READ_DEADLINE;
        private long bodyBudget = WebhookReceiver.DEFAULT_BODY_BUDGET_BYTES;
        private String notOverHttp;

        Row(String description) {
            this.description = description;
        }

        Row method(String method) {
            this.method = method;
            return this;
        }

        Row body(String body) {
            byte[] bytes = utf8(body);
            return body(() -> bytes.clone());
        }

        Row body(byte[] body) {
            return body(() -> body.clone());
        }

        Row body(Supplier<byte[]> body) {
            this.body = body;
            return this;
        }

        Row signatureOver(Supplier<byte[]> signedBody) {
            this.signedBody = signedBody;
            return this;
        }

        Row signedWith(String key) {
            this.key = key;
            return this;
        }

        Row signatureValue(Function<String, String> value) {
            this.headers = signature -> List.of(new Header(SIGNATURE, value.apply(signature)));
            return this;
        }

        Row headers(Function<String, List<Header>> headers) {
            this.headers = headers;
            return this;
        }

        Row header(String name, String value) {
            extraHeaders.add(new Header(name, value));
            return this;
        }

        Row contentLength(long contentLength) {
            this.contentLength = contentLength;
            return this;
        }

        Row unknownLength() {
            this.unknownLength = true;
            return this;
        }

        Row stream(Stream stream) {
            this.stream = stream;
            return this;
        }

        Row maxBodyBytes(int maxBodyBytes) {
            this.maxBodyBytes = maxBodyBytes;
            return this;
        }

        Row readDeadline(Duration readDeadline) {
            this.readDeadline = readDeadline;
            return this;
        }

        Row bodyBudget(long bodyBudget) {
            this.bodyBudget = bodyBudget;
            return this;
        }

        Row notOverHttp(String reason) {
            this.notOverHttp = reason;
            return this;
        }

        HostileRequest expect(Outcome outcome) {
            String method = this.method;
            Supplier<byte[]> body = this.body;
            Supplier<byte[]> signedBody = this.signedBody;
            String key = this.key;
            Function<String, List<Header>> headers = this.headers;
            List<Header> extraHeaders = List.copyOf(this.extraHeaders);
            Long contentLength = this.contentLength;
            boolean unknownLength = this.unknownLength;
            Stream stream = this.stream;
            Supplier<Request> request = () -> {
                byte[] bytes = body.get();
                String signature = sign(key, signedBody == null ? bytes : signedBody.get());
                List<Header> all = new ArrayList<>(extraHeaders);
                all.addAll(headers.apply(signature));
                long length = unknownLength ? -1 : contentLength != null ? contentLength : bytes.length;
                return new Request(method, List.copyOf(all), bytes, length, stream);
            };
            return new HostileRequest(description, maxBodyBytes, readDeadline, bodyBudget, request, outcome,
                    Optional.ofNullable(notOverHttp));
        }
    }
}
