package ai.refold.webhooks.event;

import com.fasterxml.jackson.core.ErrorReportConfiguration;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Parses raw delivery bodies (UTF-8 JSON) into {@link WebhookEvent}s.
 *
 * <p>The parser streams over the top-level object and materialises only the documented fields; other values are
 * skipped without being copied and stay reachable through {@link WebhookEvent#json()}. A body naming an unknown
 * event, naming none, or lacking the identifying field of the event it names (as a custom template may) parses to
 * an {@link UnknownEvent}. Malformed JSON, a top level that is not an object, a documented field of the wrong
 * type, a repeated documented field and input beyond the {@link ReadLimits} are rejected with an
 * {@link InvalidPayloadException}. Bodies are read as UTF-8 only (a UTF-8 byte order mark is skipped); one that
 * Jackson would detect as UTF-16 or UTF-32 is malformed.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class EventParser {

    private static final EventParser STANDARD = new EventParser(ReadLimits.defaults());

    // The start of each Jackson syntax error message, and how a 400 reason says it without quoting the body.
    private static final String[][] SYNTAX_ERRORS = {
        {"Unrecognized token", "unrecognized token"},
        {"Unexpected character", "unexpected character"},
        {"Unexpected end-of-input", "unexpected end of input"},
        {"Unexpected close marker", "unexpected closing bracket"},
        {"Illegal unquoted character", "unescaped control character in a string"},
        {"Unrecognized character escape", "invalid escape in a string"},
        {"Invalid UTF-8", "invalid UTF-8"},
        {"Invalid UTF-32", "invalid UTF-8"},
        {"Non-standard token", "non-standard number"},
        {"Invalid numeric value", "invalid number"},
        {"Leading zeroes", "invalid number"},
        {"Illegal character", "illegal character"},
    };

    private final ReadLimits limits;
    private final JsonFactory factory;
    private final ObjectMapper treeMapper;
    private final ObjectReader binder;

    private EventParser(ReadLimits limits) {
        this.limits = limits;
        StreamReadConstraints constraints = StreamReadConstraints.builder()
                .maxNestingDepth(limits.maxNestingDepth())
                .maxStringLength(limits.maxStringLength())
                .maxNumberLength(limits.maxNumberLength())
                .maxNameLength(limits.maxNameLength())
                .maxDocumentLength(limits.maxDocumentLength())
                .build();
        // Jackson quotes the offending token in its messages; report none of it, so no message repeats the body.
        ErrorReportConfiguration quoteNothing = ErrorReportConfiguration.builder()
                .maxErrorTokenLength(0)
                .maxRawContentLength(0)
                .build();
        this.factory = JsonFactory.builder().streamReadConstraints(constraints)
                .errorReportConfiguration(quoteNothing).build();
        this.treeMapper = JsonMapper.builder(JsonFactory.builder().streamReadConstraints(constraints)
                        .errorReportConfiguration(quoteNothing).build())
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
        this.binder = treeMapper.reader().without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    /** {@return the parser with the {@linkplain ReadLimits#defaults() default limits}} */
    public static EventParser standard() {
        return STANDARD;
    }

    /**
     * {@return a parser that enforces {@code limits}}
     *
     * @param limits the limits on nesting depth, document, string, number and name lengths
     * @throws NullPointerException if {@code limits} is null
     */
    public static EventParser withLimits(ReadLimits limits) {
        Objects.requireNonNull(limits, "limits");
        return limits.equals(STANDARD.limits) ? STANDARD : new EventParser(limits);
    }

    /** {@return the limits this parser enforces} */
    public ReadLimits limits() {
        return limits;
    }

    /**
     * Parses {@code body}. The returned event keeps a reference to {@code body} (see {@link RawPayload#of}).
     *
     * @param body the raw body of a verified delivery
     * @return the event: one of the documented event classes, or an {@link UnknownEvent}
     * @throws NullPointerException    if {@code body} is null
     * @throws InvalidPayloadException if the body is not a JSON object within the limits, or a documented field
     *                                 of a known event is not a string or is repeated
     */
    public WebhookEvent parse(byte[] body) {
        Objects.requireNonNull(body, "body");
        WebhookEvent flat = FlatObjectReader.read(body, limits, this);
        return flat != null ? flat : parseWithJackson(body);
    }

    // Reads any body with Jackson; parse() leaves to it every body but a flat object of plain ASCII strings (which
    // holds no NUL, so is UTF-8).
    WebhookEvent parseWithJackson(byte[] body) {
        requireUtf8(body);
        try (JsonParser parser = factory.createParser(body)) {
            JsonToken token = parser.nextToken();
            if (token == null) {
                throw new InvalidPayloadException(InvalidPayloadException.Reason.EMPTY, "body is empty");
            }
            if (token != JsonToken.START_OBJECT) {
                throw new InvalidPayloadException(InvalidPayloadException.Reason.NOT_AN_OBJECT,
                        "top level of the body must be a JSON object, not " + describe(token));
            }
            String[] fields = EventFields.newValues();
            int repeated = 0;
            while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
                repeated = EventFields.read(parser, fields, repeated);
            }
            if (token != JsonToken.END_OBJECT) {
                throw malformed("unexpected " + describe(token));
            }
            if (parser.nextToken() != null) {
                throw malformed("content after the top-level object");
            }
            return EventFields.toEvent(fields, repeated, RawPayload.of(body, this));
        } catch (StreamConstraintsException e) {
            throw new InvalidPayloadException(InvalidPayloadException.Reason.LIMIT_EXCEEDED,
                    "body exceeds a read limit: " + firstLine(e.getOriginalMessage()));
        } catch (JsonParseException e) {
            throw malformed(syntaxError(e));
        } catch (IOException e) {
            throw malformed("body could not be read as JSON");
        }
    }

    /**
     * Reads {@code body} into a fresh JSON tree under this parser's limits, rejecting repeated keys at any depth.
     *
     * @param body the raw body
     * @return a tree that belongs to the caller
     * @throws InvalidPayloadException if the body is not JSON within the limits
     */
    public JsonNode readTree(byte[] body) {
        Objects.requireNonNull(body, "body");
        requireUtf8(body);
        try {
            JsonNode tree = treeMapper.readTree(body);
            if (tree == null || tree.isMissingNode()) {
                throw new InvalidPayloadException(InvalidPayloadException.Reason.EMPTY, "body is empty");
            }
            return tree;
        } catch (StreamConstraintsException e) {
            throw new InvalidPayloadException(InvalidPayloadException.Reason.LIMIT_EXCEEDED,
                    "body exceeds a read limit: " + firstLine(e.getOriginalMessage()));
        } catch (JsonParseException e) {
            // The one message that names something from the body: a repeated key, which the handler asked about.
            String original = e.getOriginalMessage();
            throw malformed(original != null && original.startsWith("Duplicate field") ? firstLine(original)
                    : syntaxError(e));
        } catch (IOException e) {
            throw malformed("body could not be read as JSON");
        }
    }

    /**
     * Binds {@code body} to {@code type} under this parser's limits; fields the type does not declare are skipped,
     * so payloads that gain fields keep binding.
     */
    <T> T bind(byte[] body, Class<T> type) {
        Objects.requireNonNull(type, "type");
        requireUtf8(body);
        try {
            return binder.forType(type).readValue(body);
        } catch (StreamConstraintsException e) {
            throw new InvalidPayloadException(InvalidPayloadException.Reason.LIMIT_EXCEEDED,
                    "body exceeds a read limit: " + firstLine(e.getOriginalMessage()));
        } catch (JsonParseException e) {
            throw malformed(syntaxError(e));
        } catch (JsonMappingException e) {
            // The path names only fields of the caller's type; Jackson's own message can quote a value.
            throw new InvalidPayloadException(InvalidPayloadException.Reason.DOES_NOT_BIND,
                    "body does not bind to " + type.getSimpleName() + " at " + path(e));
        } catch (IOException e) {
            throw malformed("body could not be read as JSON");
        }
    }

    private static String path(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference reference : e.getPath()) {
            path.append('/').append(reference.getFieldName() != null ? reference.getFieldName()
                    : String.valueOf(reference.getIndex()));
        }
        return path.length() == 0 ? "the top level" : path.toString();
    }

    // Jackson's message quotes the offending token, even with error-report lengths of zero ("Unrecognized token
    // 'xy...'"), and a 400 reason must never repeat the body: keep the kind of error and where it is, nothing else.
    private static String syntaxError(JsonParseException e) {
        String original = e.getOriginalMessage();
        String kind = "malformed JSON";
        if (original != null) {
            for (String[] known : SYNTAX_ERRORS) {
                if (original.startsWith(known[0])) {
                    kind = known[1];
                    break;
                }
            }
        }
        JsonLocation at = e.getLocation();
        return at == null || at.getLineNr() < 1 ? kind
                : kind + " at line " + at.getLineNr() + ", column " + at.getColumnNr();
    }

    private static String describe(JsonToken token) {
        if (token == null) {
            return "end of input";
        }
        switch (token) {
            case START_ARRAY: return "an array";
            case VALUE_STRING: return "a string";
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT: return "a number";
            case VALUE_TRUE:
            case VALUE_FALSE: return "a boolean";
            case VALUE_NULL: return "null";
            default: return token.asString() == null ? token.name() : "'" + token.asString() + "'";
        }
    }

    // Deliveries are UTF-8, decoded as UTF-8 elsewhere (RawPayload.asString): Jackson reads a body with a NUL among its
    // first four bytes as UTF-16 or UTF-32, and lets overlong forms, encoded surrogates and lead bytes past U+10FFFF
    // through, some read as other characters than asString() reads. An ASCII body costs one scan; past the first
    // non-ASCII byte the rest is decoded through a small buffer. No exception here carries Jackson's as its cause:
    // Jackson's messages can quote the body, and causes are logged.
    private static void requireUtf8(byte[] body) {
        for (int i = 0, end = Math.min(4, body.length); i < end; i++) {
            if (body[i] == 0) {
                throw malformed("body is not UTF-8");
            }
        }
        int ascii = FlatObjectReader.asciiPrefix(body);
        if (ascii == body.length) {
            return;
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder();
        ByteBuffer in = ByteBuffer.wrap(body, ascii, body.length - ascii);
        CharBuffer out = CharBuffer.allocate(256);
        CoderResult result;
        do {
            out.clear();
            result = decoder.decode(in, out, true);
        } while (result.isOverflow());
        if (result.isError()) {
            throw malformed("body is not UTF-8");
        }
    }

    static InvalidPayloadException malformed(String detail) {
        return new InvalidPayloadException(InvalidPayloadException.Reason.MALFORMED_JSON,
                "body is not valid JSON: " + detail);
    }

    // Jackson's messages can quote input; keep only the first line and cap its length.
    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable input";
        }
        int end = message.indexOf('\n');
        String line = end < 0 ? message : message.substring(0, end);
        return line.length() > 120 ? line.substring(0, 120) + "..." : line;
    }
}
