package ai.refold.webhooks.event;

import ai.refold.webhooks.idempotency.IdempotencyKeyExtractor;

import com.code_intelligence.jazzer.junit.FuzzTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the payload parser. In {@code mvn verify} it replays the committed inputs under
 * {@code src/test/resources/ai/refold/webhooks/event/PayloadFuzzTestInputs}; with {@code JAZZER_FUZZ=1} it fuzzes.
 */
class PayloadFuzzTest {

    private static final EventParser SMALL_LIMITS = EventParser.withLimits(new ReadLimits(8, 64, 16, 32, 4096));

    @FuzzTest(maxDuration = "5m")
    void parsingAnyBytesYieldsAnEventOrAnInvalidPayload(byte[] body) {
        for (EventParser parser : new EventParser[] {EventParser.standard(), SMALL_LIMITS}) {
            WebhookEvent event;
            try {
                event = parser.parse(body);
            } catch (InvalidPayloadException e) {
                assertThat(e.reason()).isNotNull();
                assertThat(e.getMessage()).isNotBlank().hasSizeLessThanOrEqualTo(200);
                continue;
            }
            assertThat(event.payload().size()).isEqualTo(body.length);
            String key = IdempotencyKeyExtractor.standard().keyFor(event);
            assertThat(key).isNotEmpty().hasSizeLessThanOrEqualTo(IdempotencyKeyExtractor.MAX_LENGTH);
        }
    }
}
