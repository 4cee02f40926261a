package ai.refold.webhooks.benchmarks;

import ai.refold.webhooks.DeliveryResult;
import ai.refold.webhooks.Outcome;
import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.EventParser;
import ai.refold.webhooks.event.WebhookEvent;
import ai.refold.webhooks.event.WorkflowErrored;
import ai.refold.webhooks.signature.SignatureVerifier;
import ai.refold.webhooks.signature.VerificationResult;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The SDK's per-delivery costs side by side with the floor: a reused HMAC-SHA256 {@link Mac} over the body and a
 * constant-time compare with the already-decoded signature, which any verifier must pay. Run with
 * {@code -prof gc} for allocation per operation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(2)
public class VerificationBenchmark {

    /** Body size in bytes: the documented sample compacted, then padded to 4 KiB and 64 KiB. */
    @Param({"221", "4096", "65536"})
    public int size;

    private static final int DELIVERIES = 512;

    private static final HexFormat HEX = HexFormat.of();

    private Deliveries deliveries;
    private Mac floorMac;
    private final byte[] floorBuffer = new byte[32];
    private SignatureVerifier verifier;
    private EventParser parser;
    private WebhookReceiver receiver;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws GeneralSecurityException {
        deliveries = new Deliveries(size, DELIVERIES);
        floorMac = Mac.getInstance("HmacSHA256");
        floorMac.init(new SecretKeySpec(Deliveries.API_KEY.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        verifier = SignatureVerifier.builder().key("live", Deliveries.API_KEY).build();
        parser = EventParser.standard();
        receiver = WebhookReceiver.builder()
                .signingKey("live", Deliveries.API_KEY)
                .maxBodyBytes(1 << 20)
                .retention(Duration.ofMinutes(1))
                // Each reading of this clock is a second later: a delivery reads it three times, well within the
                // 30 s lease, while a lap over the fixed set of bodies takes far longer than the one-minute
                // retention, so every delivery is claimed, processed and completed anew.
                .clock(new LeapingClock())
                .on(WorkflowErrored.class, (event, context) -> { })
                .build();
        // Two laps: the second proves that each delivery is processed anew rather than answered as a duplicate.
        for (int lap = 0; lap < 2; lap++) {
            for (int i = 0; i < DELIVERIES; i++) {
                DeliveryResult check = receiver.receive(deliveries.requests[i]);
                if (check.outcome() != Outcome.PROCESSED
                        || !verifier.verify(deliveries.signatures[i], deliveries.bodies[i]).isValid()) {
                    throw new IllegalStateException("benchmark fixture is not processed anew: " + check.outcome());
                }
            }
        }
        // And a copy right after its original is a duplicate, so completion works on this clock.
        receiver.receive(deliveries.requests[0]);
        Outcome copy = receiver.receive(deliveries.requests[0]).outcome();
        if (copy != Outcome.DUPLICATE) {
            throw new IllegalStateException("a copy right after its original was answered " + copy);
        }
    }

    private int index() {
        int i = next;
        next = i + 1 == DELIVERIES ? 0 : i + 1;
        return i;
    }

    /**
     * The floor: what any verifier must do. HMAC-SHA256 of the body with a reused Mac, the header's hex decoded by
     * the JDK, and a constant-time compare of the bytes.
     */
    @Benchmark
    public boolean floor() throws GeneralSecurityException {
        int i = index();
        floorMac.update(deliveries.bodies[i]);
        floorMac.doFinal(floorBuffer, 0);
        return MessageDigest.isEqual(floorBuffer, HEX.parseHex(deliveries.signatures[i]));
    }

    /** The SDK's verification from the header value as received. */
    @Benchmark
    public VerificationResult verify() {
        int i = index();
        return verifier.verify(deliveries.signatures[i], deliveries.bodies[i]);
    }

    /** The SDK's parsing of a verified body into a typed event. */
    @Benchmark
    public WebhookEvent parse() {
        return parser.parse(deliveries.bodies[index()]);
    }

    /**
     * Verification, then parsing of the same body, as the pipeline runs them: the pipeline less this is its
     * bookkeeping. Measured apart, parse reads bodies the HMAC has not just read, so the two apart can cost more than
     * in sequence, and the pipeline less the two apart then understates the bookkeeping.
     */
    @Benchmark
    public WebhookEvent verifyThenParse() {
        int i = index();
        if (!verifier.verify(deliveries.signatures[i], deliveries.bodies[i]).isValid()) {
            throw new IllegalStateException("a signed delivery did not verify");
        }
        return parser.parse(deliveries.bodies[i]);
    }

    /** The whole pipeline: verify, parse, key, in-memory claim, a no-op handler, complete. */
    @Benchmark
    public DeliveryResult pipeline() {
        return receiver.receive(deliveries.requests[index()]);
    }

    /** A clock that moves a second forward every time it is read. */
    static final class LeapingClock extends Clock {
        private long millis;

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public long millis() {
            millis += 1_000L;
            return millis;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis());
        }
    }
}
