package ai.refold.webhooks.event;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.util.Arrays;
import java.util.Optional;

/**
 * The documented fields of one body as {@link EventParser} reads them (slots in a plain array, so that a delivery
 * allocates no holder), and the event they make. Fields that are
 * not documented are skipped without being copied. Values from a small documented vocabulary (event names,
 * statuses, environments, the connection type) are returned as shared constants rather than new strings.
 */
final class EventFields {

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
    static final int SLOTS = 12;
    static final String[] NAMES = {
        "event", "linked_account_id", "org_id", "environment", "type", "slug", "createdAt",
        "instance_id", "workflow_id", "config_id", "workflow_name", "status"
    };
    static final String[][] VOCABULARY = new String[SLOTS][];
    private static final Optional<?>[][] SHARED = new Optional<?>[SLOTS][];

    static {
        EventType[] types = EventType.values();
        VOCABULARY[EVENT] = new String[types.length];
        for (int i = 0; i < types.length; i++) {
            VOCABULARY[EVENT][i] = types[i].wireName();
        }
        VOCABULARY[ENVIRONMENT] = new String[] {"test", "live"};
        VOCABULARY[TYPE] = new String[] {"General"};
        VOCABULARY[STATUS] = new String[] {"COMPLETED", "ERRORED"};
        for (int slot = 0; slot < SLOTS; slot++) {
            if (VOCABULARY[slot] != null) {
                SHARED[slot] = Arrays.stream(VOCABULARY[slot]).map(Optional::of).toArray(Optional<?>[]::new);
            }
        }
    }

    // Identity-compared markers for a documented field that was present but not a string.
    private static final String NULL_VALUE = new String("null");
    private static final String NOT_A_STRING = new String("not a string");

    private EventFields() {
    }

    /** Returns the slots for one body's documented fields, all empty. */
    static String[] newValues() {
        return new String[SLOTS];
    }

    /**
     * Reads the field whose name the parser is on, and its value, into {@code values}.
     *
     * @param repeated the slots seen more than once so far, one bit each
     * @return {@code repeated}, with this field's bit set if it was already seen
     */
    static int read(JsonParser parser, String[] values, int repeated) throws IOException {
        int slot = slotOf(parser.currentName());
        JsonToken token = parser.nextToken();
        if (slot < 0) {
            parser.skipChildren();
            return repeated;
        }
        int seen = values[slot] != null ? repeated | 1 << slot : repeated;
        if (token == JsonToken.VALUE_STRING) {
            values[slot] = text(parser, VOCABULARY[slot]);
        } else {
            values[slot] = token == JsonToken.VALUE_NULL ? NULL_VALUE : NOT_A_STRING;
            parser.skipChildren();
        }
        return seen;
    }

    /**
     * Puts the string {@code value} of the field in {@code slot} into {@code values}, as {@link #read} does for a
     * string value: a later value of a repeated field replaces the earlier one, and the repetition is recorded.
     *
     * @return {@code repeated}, with this field's bit set if it was already seen
     */
    static int put(String[] values, int repeated, int slot, String value) {
        int seen = values[slot] != null ? repeated | 1 << slot : repeated;
        values[slot] = value;
        return seen;
    }

    /**
     * Returns the event these fields make: a documented event, or an {@link UnknownEvent} for an unknown or missing
     * name or a documented one lacking its identifying field.
     *
     * @throws InvalidPayloadException if a documented field of a known event is not a string or is repeated
     */
    static WebhookEvent toEvent(String[] values, int repeated, RawPayload payload) {
        if ((repeated & 1 << EVENT) != 0) {
            throw new InvalidPayloadException(InvalidPayloadException.Reason.DUPLICATE_FIELD,
                    "field 'event' appears more than once");
        }
        String name = values[EVENT];
        if (name == null || name == NULL_VALUE || name == NOT_A_STRING) {
            return new UnknownEvent(Optional.empty(), payload);
        }
        Optional<EventType> type = EventType.fromWireName(name);
        if (type.isEmpty()) {
            return new UnknownEvent(Optional.of(name), payload);
        }
        for (int slot = 1; slot < SLOTS; slot++) {
            if (values[slot] == NOT_A_STRING) {
                throw new InvalidPayloadException(InvalidPayloadException.Reason.WRONG_FIELD_TYPE,
                        "field '" + NAMES[slot] + "' must be a string");
            }
            if ((repeated & 1 << slot) != 0) {
                throw new InvalidPayloadException(InvalidPayloadException.Reason.DUPLICATE_FIELD,
                        "field '" + NAMES[slot] + "' appears more than once");
            }
        }
        EventType eventType = type.get();
        return eventType.isConnectionEvent() ? connectionEvent(values, eventType, name, payload)
                : workflowEvent(values, eventType, name, payload);
    }

    private static WebhookEvent connectionEvent(String[] values, EventType eventType, String name, RawPayload payload) {
        String linkedAccountId = value(values, LINKED_ACCOUNT_ID);
        String slug = value(values, SLUG);
        if (linkedAccountId == null || slug == null) {
            return new UnknownEvent(Optional.of(name), payload);
        }
        Optional<String> orgId = optional(values, ORG_ID);
        Optional<String> environment = optional(values, ENVIRONMENT);
        Optional<String> connectionType = optional(values, TYPE);
        Optional<String> createdAt = optional(values, CREATED_AT);
        switch (eventType) {
            case CONNECTION_CREATED:
                return new ConnectionCreated(linkedAccountId, slug, orgId, environment, connectionType, createdAt,
                        payload);
            case CONNECTION_DELETED:
                return new ConnectionDeleted(linkedAccountId, slug, orgId, environment, connectionType, createdAt,
                        payload);
            default:
                return new ConnectionExpired(linkedAccountId, slug, orgId, environment, connectionType, createdAt,
                        payload);
        }
    }

    private static WebhookEvent workflowEvent(String[] values, EventType eventType, String name, RawPayload payload) {
        String instanceId = value(values, INSTANCE_ID);
        if (instanceId == null) {
            return new UnknownEvent(Optional.of(name), payload);
        }
        Optional<String> linkedAccountId = optional(values, LINKED_ACCOUNT_ID);
        Optional<String> workflowId = optional(values, WORKFLOW_ID);
        Optional<String> configId = optional(values, CONFIG_ID);
        Optional<String> workflowName = optional(values, WORKFLOW_NAME);
        Optional<String> status = optional(values, STATUS);
        Optional<String> environment = optional(values, ENVIRONMENT);
        if (eventType == EventType.WORKFLOW_COMPLETED) {
            return new WorkflowCompleted(instanceId, linkedAccountId, workflowId, configId, workflowName, status,
                    environment, payload);
        }
        return new WorkflowErrored(instanceId, linkedAccountId, workflowId, configId, workflowName, status,
                environment, payload);
    }

    private static String value(String[] values, int slot) {
        String value = values[slot];
        return value == NULL_VALUE ? null : value;
    }

    @SuppressWarnings("unchecked") // SHARED holds Optional<String> only
    private static Optional<String> optional(String[] values, int slot) {
        String value = value(values, slot);
        String[] vocabulary = VOCABULARY[slot];
        if (value != null && vocabulary != null) {
            for (int i = 0; i < vocabulary.length; i++) {
                if (vocabulary[i] == value) {
                    return (Optional<String>) SHARED[slot][i];
                }
            }
        }
        return Optional.ofNullable(value);
    }

    // The string value the parser is on, as a shared constant when it is one of the slot's documented values.
    private static String text(JsonParser parser, String[] vocabulary) throws IOException {
        if (vocabulary != null) {
            char[] chars = parser.getTextCharacters();
            int offset = parser.getTextOffset();
            int length = parser.getTextLength();
            for (String known : vocabulary) {
                if (known.length() == length && equals(known, chars, offset)) {
                    return known;
                }
            }
        }
        return parser.getText();
    }

    private static boolean equals(String known, char[] chars, int offset) {
        for (int i = 0; i < known.length(); i++) {
            if (known.charAt(i) != chars[offset + i]) {
                return false;
            }
        }
        return true;
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
}
