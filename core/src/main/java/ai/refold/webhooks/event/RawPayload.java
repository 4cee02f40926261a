package ai.refold.webhooks.event;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;

/**
 * The body of a delivery exactly as received. It keeps the array it was created from without copying it, so the
 * creator must not change that array afterwards; everything it hands out is a copy. {@link #toString()} shows the
 * size only, never the content.
 */
public final class RawPayload {

    private final byte[] bytes;
    private final EventParser parser;

    private RawPayload(byte[] bytes, EventParser parser) {
        this.bytes = bytes;
        this.parser = parser;
    }

    /**
     * Wraps {@code body} without copying it.
     *
     * @param body the body exactly as received; it must not be changed afterwards
     * @return a payload read with the default limits
     * @throws NullPointerException if {@code body} is null
     */
    public static RawPayload of(byte[] body) {
        return new RawPayload(Objects.requireNonNull(body, "body"), EventParser.standard());
    }

    // The parser that read the body, so that json() applies the same read limits.
    static RawPayload of(byte[] body, EventParser parser) {
        return new RawPayload(body, parser);
    }

    /** {@return the number of bytes} */
    public int size() {
        return bytes.length;
    }

    /** {@return a copy of the bytes} */
    public byte[] toByteArray() {
        return bytes.clone();
    }

    /** {@return a stream over the bytes} */
    public InputStream openStream() {
        return new ByteArrayInputStream(bytes);
    }

    /** {@return the bytes decoded as UTF-8 (malformed sequences become U+FFFD)} */
    public String asString() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /**
     * Parses the bytes into a fresh JSON tree owned by the caller, under the read limits of the parser that
     * produced this payload (the default limits for {@link #of}).
     *
     * @return a tree that belongs to the caller
     * @throws InvalidPayloadException if the bytes are not JSON within the limits
     */
    public JsonNode json() {
        return parser.readTree(bytes);
    }

    /**
     * {@return the value at {@code path} (field names from the top-level object down) as text: a string as it is,
     * a number or boolean as its JSON text} Empty when a field on the way is missing, or the value is null, an
     * object or an array. For fields this SDK does not model, without needing a Jackson type:
     * {@code payload().text("workflow_response", "order_id")}.
     *
     * @param path field names from the top-level object down, for example {@code "workflow_response", "order_id"}
     * @throws NullPointerException    if a field name is null
     * @throws InvalidPayloadException if the bytes are not JSON within the limits
     */
    public Optional<String> text(String... path) {
        JsonNode node = json();
        for (String field : path) {
            node = node.path(Objects.requireNonNull(field, "path element"));
        }
        return node.isValueNode() && !node.isNull() ? Optional.of(node.asText()) : Optional.empty();
    }

    /**
     * Binds the bytes to {@code type} (a record or a bean with Jackson's annotations, which Jackson 2 and 3 share),
     * under the read limits of the parser that produced this payload. Fields the type does not declare are skipped,
     * so the type keeps binding when Refold adds fields. Each call reads the bytes again.
     *
     * @param type the class to bind to
     * @param <T>  the type bound to
     * @return a new instance of {@code type} holding the body's values
     * @throws InvalidPayloadException if the bytes are not JSON within the limits, or do not bind to the type; the
     *                                 message names the field by its path and never repeats a value
     */
    public <T> T as(Class<T> type) {
        return parser.bind(bytes, type);
    }

    /** {@return the lowercase hex SHA-256 of the bytes, a stable fingerprint for bodies with no natural key} */
    public String sha256Hex() {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required on every Java platform", e);
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RawPayload that && Arrays.equals(bytes, that.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "RawPayload[" + bytes.length + " bytes]";
    }
}
