package ai.refold.webhooks.examples;

import ai.refold.webhooks.DeliveryContext;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** What the example receivers' handlers did, newest last; served read-only at {@code /events}. */
public final class ProcessedEvents {

    /** One handled event. */
    public record Entry(Instant receivedAt, String event, String idempotencyKey, String keyLabel, String action) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<Entry> entries = new CopyOnWriteArrayList<>();

    /** Records that the handler for {@code event} did {@code action}. */
    public void record(String event, DeliveryContext context, String action) {
        entries.add(new Entry(context.receivedAt(), event, context.idempotencyKey(), context.keyLabel(), action));
    }

    /** Returns the entries so far. */
    public List<Entry> entries() {
        return List.copyOf(entries);
    }

    /** Returns the entries as a JSON array. */
    public String toJson() {
        ArrayNode array = JSON.createArrayNode();
        for (Entry entry : entries) {
            array.addObject()
                    .put("receivedAt", entry.receivedAt().toString())
                    .put("event", entry.event())
                    .put("idempotencyKey", entry.idempotencyKey())
                    .put("keyLabel", entry.keyLabel())
                    .put("action", entry.action());
        }
        return array.toString();
    }
}
