package ai.refold.webhooks.spring.inbox;

import ai.refold.webhooks.event.EventParser;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.idempotency.IdempotencyKeyExtractor;
import ai.refold.webhooks.test.SamplePayloads;

import java.nio.charset.StandardCharsets;

/** Documented workflow samples with an instance id of the test's choosing, so tests sharing a store stay apart. */
public final class Workflows {

    private Workflows() {
    }

    public static byte[] body(EventType type, String instanceId) {
        String sample = new String(SamplePayloads.of(type), StandardCharsets.UTF_8);
        String original = type == EventType.WORKFLOW_ERRORED ? "656f308b9144bb8f183bfc7b" : "656f30f69144bb8f183c0118";
        return sample.replace(original, instanceId).getBytes(StandardCharsets.UTF_8);
    }

    /** Returns the idempotency key the receiver gives the body. */
    public static String key(byte[] body) {
        return IdempotencyKeyExtractor.standard().keyFor(EventParser.standard().parse(body));
    }
}
