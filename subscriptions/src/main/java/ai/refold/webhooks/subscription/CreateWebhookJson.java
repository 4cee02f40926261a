package ai.refold.webhooks.subscription;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Writes the Create Webhook request body and reads its answers. */
final class CreateWebhookJson {

    private static final ObjectMapper MAPPER = JsonMapper.builder().build();
    private static final int MAX_TEXT = 300;

    private CreateWebhookJson() {
    }

    /** Returns the request body: the documented fields in documented order, unset optionals left out. */
    static byte[] encode(WebhookSubscription subscription) {
        ObjectNode body = MAPPER.createObjectNode();
        body.put("webhook_url", subscription.url());
        ArrayNode events = body.putArray("webhook_events");
        subscription.events().forEach(event -> events.add(event.wireName()));
        subscription.payloadType().ifPresent(type -> body.put("webhook_type", type.wireName()));
        subscription.method().ifPresent(method -> body.put("method", method.name()));
        if (!subscription.headers().isEmpty()) {
            ObjectNode headers = body.putObject("webhook_headers");
            subscription.headers().forEach(headers::put);
        }
        subscription.bodyTemplate().ifPresent(template -> body.put("webhook_body", template));
        subscription.slug().ifPresent(slug -> body.put("slug", slug));
        if (!subscription.workflowIds().isEmpty()) {
            ArrayNode ids = body.putArray("workflow_ids");
            subscription.workflowIds().forEach(ids::add);
        }
        try {
            return MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree of strings could not be written", e);
        }
    }

    /**
     * Reads a success body.
     *
     * @throws UnreadableResponse if the body is not JSON or a documented field is missing or of another type
     */
    static CreatedWebhook decodeCreated(byte[] body) throws UnreadableResponse {
        JsonNode root = readObject(body);
        String id = root.path("_id").isTextual() ? root.get("_id").asText() : null;
        if (id == null || id.isBlank()) {
            throw new UnreadableResponse("the answer has no _id", null);
        }
        try {
            return new CreatedWebhook(
                    id,
                    text(root, "org_id"),
                    text(root, "environment"),
                    bool(root, "is_enabled"),
                    texts(root, "webhook_events", true),
                    text(root, "webhook_url"),
                    text(root, "webhook_type"),
                    text(root, "method"),
                    template(root),
                    texts(root, "workflow_ids", false),
                    instant(root, "createdAt"));
        } catch (UnreadableResponse e) {
            throw new UnreadableResponse(e.getMessage(), id);
        }
    }

    /** Reads the documented error body, or returns null if the body is not one. */
    static ApiError decodeError(byte[] body, String apiKey) {
        JsonNode root;
        try {
            root = readObject(body);
        } catch (UnreadableResponse e) {
            return null;
        }
        JsonNode status = root.get("status_code");
        String httpErrorType = optionalText(root, "http_error_type", apiKey);
        String error = optionalText(root, "error", apiKey);
        String message = optionalText(root, "message", apiKey);
        if (error == null && message == null) {
            return null;
        }
        return new ApiError(status != null && status.canConvertToInt() ? status.intValue() : null,
                httpErrorType, error, message);
    }

    /** Shortens server text, replaces control characters and masks the API key should the server echo it. */
    static String sanitise(String text, String apiKey) {
        String masked = apiKey.isEmpty() ? text : text.replace(apiKey, "****");
        String shown = masked.length() > MAX_TEXT ? masked.substring(0, MAX_TEXT) + "..." : masked;
        return shown.replaceAll("\\p{Cntrl}", " ");
    }

    private static JsonNode readObject(byte[] body) throws UnreadableResponse {
        JsonNode root;
        try {
            root = MAPPER.readTree(body);
        } catch (IOException e) {
            throw new UnreadableResponse("the answer is not JSON", null);
        }
        if (root == null || !root.isObject()) {
            throw new UnreadableResponse("the answer is not a JSON object", null);
        }
        return root;
    }

    private static String text(JsonNode root, String field) throws UnreadableResponse {
        JsonNode node = root.get(field);
        if (node == null || !node.isTextual()) {
            throw new UnreadableResponse("the answer's " + field + " is " + describe(node) + ", not a string", null);
        }
        return node.asText();
    }

    private static String optionalText(JsonNode root, String field, String apiKey) {
        JsonNode node = root.get(field);
        return node != null && node.isTextual() ? sanitise(node.asText(), apiKey) : null;
    }

    private static boolean bool(JsonNode root, String field) throws UnreadableResponse {
        JsonNode node = root.get(field);
        if (node == null || !node.isBoolean()) {
            throw new UnreadableResponse("the answer's " + field + " is " + describe(node) + ", not a boolean", null);
        }
        return node.booleanValue();
    }

    private static List<String> texts(JsonNode root, String field, boolean required) throws UnreadableResponse {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            if (required) {
                throw new UnreadableResponse("the answer has no " + field, null);
            }
            return List.of();
        }
        if (!node.isArray()) {
            throw new UnreadableResponse("the answer's " + field + " is " + describe(node) + ", not an array", null);
        }
        List<String> values = new ArrayList<>(node.size());
        for (JsonNode element : node) {
            if (!element.isTextual()) {
                throw new UnreadableResponse("the answer's " + field + " holds " + describe(element)
                        + ", not only strings", null);
            }
            values.add(element.asText());
        }
        return values;
    }

    private static String template(JsonNode root) throws UnreadableResponse {
        JsonNode node = root.get("webhook_body");
        if (node == null || node.isNull()) {
            throw new UnreadableResponse("the answer has no webhook_body", null);
        }
        // documented as a string, accepted by the API as any JSON: keep a template object as its JSON text
        return node.isTextual() ? node.asText() : node.toString();
    }

    private static Instant instant(JsonNode root, String field) throws UnreadableResponse {
        String value = text(root, field);
        try {
            return OffsetDateTime.parse(value, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            throw new UnreadableResponse("the answer's " + field + " is not an ISO 8601 timestamp", null);
        }
    }

    private static String describe(JsonNode node) {
        return node == null ? "missing" : node.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    /** A success body that cannot be read as a created webhook; {@code webhookId} is set if {@code _id} was read. */
    static final class UnreadableResponse extends Exception {
        private static final long serialVersionUID = 1L;
        private final String webhookId;

        UnreadableResponse(String message, String webhookId) {
            super(message, null, false, false);
            this.webhookId = webhookId;
        }

        String webhookId() {
            return webhookId;
        }
    }
}
