package ai.refold.webhooks.event;

import com.fasterxml.jackson.core.ErrorReportConfiguration;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.util.Objects;
import java.util.Optional;

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

    // Slots for the documented fields, in one array so a delivery allocates nothing per field it lacks.
    private static final int EVENT = 0;
    private static final int LINKED_ACCOUNT_ID = 1;
    private static final int ORG_ID = 2;
    private static final int ENVIRONMENT = 3;
    private static final int TYPE = 4;
    private static final int SLUG = 5;
    private static final int CREATED_AT = 6;
    private static final int INSTANCE_ID = 7;
    private static final int WORKFLOW_ID = 8;
    private static final int CONFIG_ID = 9;
    private static final int WORKFLOW_NAME = 10;
    private static final int STATUS = 11;
    private static final int SLOTS = 12;
    private static final String[] FIELD_NAMES = {
        "event", "linked_account_id", "org_id", "environment", "type", "slug", "createdAt",
        "instance_id", "workflow_id", "config_id", "workflow_name", "status"
    };

    // Identity-compared markers for a documented field that was present but not a string.
    private static final String NULL_VALUE = new String("null");
    private static final String NOT_A_STRING = new String("not a string");

    private final ReadLimits limits;
    private final JsonFactory factory;
    private final ObjectMapper treeMapper;

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
    }

    /** Returns the parser with the {@linkplain ReadLimits#defaults() default limits}. */
    public static EventParser standard() {
        return STANDARD;
    }

    /**
     * Returns a parser that enforces {@code limits}.
     *
     * @throws NullPointerException if {@code limits} is null
     */
    public static EventParser withLimits(ReadLimits limits) {
        Objects.requireNonNull(limits, "limits");
        return limits.equals(STANDARD.limits) ? STANDARD : new EventParser(limits);
    }

    /** Returns the limits this parser enforces. */
    public ReadLimits limits() {
        return limits;
    }

    /**
     * Parses {@code body}. The returned event keeps a reference to {@code body} (see {@link RawPayload#of}).
     *
     * @throws InvalidPayloadException if the body is not a JSON object within the limits, or a documented field
     *                                 of a known event is not a string or is repeated
     */
    public WebhookEvent parse(byte[] body) {
        Objects.requireNonNull(body, "body");
        requireUtf8(body);
        String[] fields = new String[SLOTS];
        try (JsonParser parser = factory.createParser(body)) {
            JsonToken token = parser.nextToken();
            if (token == null) {
                throw new InvalidPayloadException(InvalidPayloadException.Reason.EMPTY, "body is empty");
            }
            if (token != JsonToken.START_OBJECT) {
                throw new InvalidPayloadException(InvalidPayloadException.Reason.NOT_AN_OBJECT,
                        "top level of the body must be a JSON object, not " + describe(token));
            }
            boolean[] repeated = null;
            while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
                int slot = slotOf(parser.currentName());
                token = parser.nextToken();
                if (slot < 0) {
                    parser.skipChildren();
                    continue;
                }
                if (fields[slot] != null) {
                    if (repeated == null) {
                        repeated = new boolean[SLOTS];
                    }
                    repeated[slot] = true;
                }
                if (token == JsonToken.VALUE_STRING) {
                    fields[slot] = parser.getText();
                } else {
                    fields[slot] = token == JsonToken.VALUE_NULL ? NULL_VALUE : NOT_A_STRING;
                    parser.skipChildren();
                }
            }
            if (token != JsonToken.END_OBJECT) {
                throw malformed("unexpected " + describe(token), null);
            }
            if (parser.nextToken() != null) {
                throw malformed("content after the top-level object", null);
            }
            return toEvent(fields, repeated, RawPayload.of(body, this));
        } catch (StreamConstraintsException e) {
            throw new InvalidPayloadException(InvalidPayloadException.Reason.LIMIT_EXCEEDED,
                    "body exceeds a read limit: " + firstLine(e.getOriginalMessage()), e);
        } catch (JsonParseException e) {
            throw malformed(firstLine(e.getOriginalMessage()), e);
        } catch (IOException e) {
            throw malformed("body could not be read as JSON", e);
        }
    }

    /**
     * Reads {@code body} into a fresh JSON tree under this parser's limits, rejecting repeated keys at any depth.
     *
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
                    "body exceeds a read limit: " + firstLine(e.getOriginalMessage()), e);
        } catch (JsonParseException e) {
            throw malformed(firstLine(e.getOriginalMessage()), e);
        } catch (IOException e) {
            throw malformed("body could not be read as JSON", e);
        }
    }

    private static WebhookEvent toEvent(String[] fields, boolean[] repeated, RawPayload payload) {
        if (repeated != null && repeated[EVENT]) {
            throw new InvalidPayloadException(InvalidPayloadException.Reason.DUPLICATE_FIELD,
                    "field 'event' appears more than once");
        }
        String name = fields[EVENT];
        if (name == null || name == NULL_VALUE || name == NOT_A_STRING) {
            return new UnknownEvent(Optional.empty(), payload);
        }
        Optional<EventType> type = EventType.fromWireName(name);
        if (type.isEmpty()) {
            return new UnknownEvent(Optional.of(name), payload);
        }
        for (int slot = 1; slot < SLOTS; slot++) {
            if (fields[slot] == NOT_A_STRING) {
                throw new InvalidPayloadException(InvalidPayloadException.Reason.WRONG_FIELD_TYPE,
                        "field '" + FIELD_NAMES[slot] + "' must be a string");
            }
            if (repeated != null && repeated[slot]) {
                throw new InvalidPayloadException(InvalidPayloadException.Reason.DUPLICATE_FIELD,
                        "field '" + FIELD_NAMES[slot] + "' appears more than once");
            }
        }
        EventType eventType = type.get();
        if (eventType.isConnectionEvent()) {
            String linkedAccountId = value(fields, LINKED_ACCOUNT_ID);
            String slug = value(fields, SLUG);
            if (linkedAccountId == null || slug == null) {
                return new UnknownEvent(Optional.of(name), payload);
            }
            Optional<String> orgId = optional(fields, ORG_ID);
            Optional<String> environment = optional(fields, ENVIRONMENT);
            Optional<String> connectionType = optional(fields, TYPE);
            Optional<String> createdAt = optional(fields, CREATED_AT);
            switch (eventType) {
                case CONNECTION_CREATED:
                    return new ConnectionCreated(linkedAccountId, slug, orgId, environment, connectionType,
                            createdAt, payload);
                case CONNECTION_DELETED:
                    return new ConnectionDeleted(linkedAccountId, slug, orgId, environment, connectionType,
                            createdAt, payload);
                default:
                    return new ConnectionExpired(linkedAccountId, slug, orgId, environment, connectionType,
                            createdAt, payload);
            }
        }
        String instanceId = value(fields, INSTANCE_ID);
        if (instanceId == null) {
            return new UnknownEvent(Optional.of(name), payload);
        }
        Optional<String> linkedAccountId = optional(fields, LINKED_ACCOUNT_ID);
        Optional<String> workflowId = optional(fields, WORKFLOW_ID);
        Optional<String> configId = optional(fields, CONFIG_ID);
        Optional<String> workflowName = optional(fields, WORKFLOW_NAME);
        Optional<String> status = optional(fields, STATUS);
        Optional<String> environment = optional(fields, ENVIRONMENT);
        if (eventType == EventType.WORKFLOW_COMPLETED) {
            return new WorkflowCompleted(instanceId, linkedAccountId, workflowId, configId, workflowName, status,
                    environment, payload);
        }
        return new WorkflowErrored(instanceId, linkedAccountId, workflowId, configId, workflowName, status,
                environment, payload);
    }

    private static String value(String[] fields, int slot) {
        String value = fields[slot];
        return value == NULL_VALUE ? null : value;
    }

    private static Optional<String> optional(String[] fields, int slot) {
        return Optional.ofNullable(value(fields, slot));
    }

    private static int slotOf(String name) {
        switch (name) {
            case "event": return EVENT;
            case "linked_account_id": return LINKED_ACCOUNT_ID;
            case "org_id": return ORG_ID;
            case "environment": return ENVIRONMENT;
            case "type": return TYPE;
            case "slug": return SLUG;
            case "createdAt": return CREATED_AT;
            case "instance_id": return INSTANCE_ID;
            case "workflow_id": return WORKFLOW_ID;
            case "config_id": return CONFIG_ID;
            case "workflow_name": return WORKFLOW_NAME;
            case "status": return STATUS;
            default: return -1;
        }
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

    // Jackson reads a body with a NUL among its first four bytes as UTF-16 or UTF-32. Deliveries are UTF-8 and the
    // payload is decoded as UTF-8 elsewhere (RawPayload.asString), so such a body must not parse to an event.
    private static void requireUtf8(byte[] body) {
        for (int i = 0, end = Math.min(4, body.length); i < end; i++) {
            if (body[i] == 0) {
                throw malformed("body is not UTF-8", null);
            }
        }
    }

    private static InvalidPayloadException malformed(String detail, Throwable cause) {
        return new InvalidPayloadException(InvalidPayloadException.Reason.MALFORMED_JSON,
                "body is not valid JSON: " + detail, cause);
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
