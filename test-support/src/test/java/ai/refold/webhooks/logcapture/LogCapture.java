package ai.refold.webhooks.logcapture;

import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Collects the log events of every thread while open. Events logged while no capture is open are dropped, so that
 * long runs (soak, fuzzing) hold nothing.
 *
 * <pre>{@code
 * try (LogCapture capture = LogCapture.open()) {
 *     receiver.receive(request);
 *     assertThat(capture.events()).isNotEmpty();
 * }
 * }</pre>
 */
public final class LogCapture implements AutoCloseable {

    private static final List<LogCapture> OPEN = new CopyOnWriteArrayList<>();

    private final Queue<CapturedEvent> events = new ConcurrentLinkedQueue<>();

    private LogCapture() {
    }

    /**
     * Starts capturing.
     *
     * @throws IllegalStateException if SLF4J is not bound to the capturing provider
     */
    public static LogCapture open() {
        if (!(LoggerFactory.getILoggerFactory().getLogger("ai.refold.webhooks.delivery") instanceof CapturingLogger)) {
            throw new IllegalStateException("SLF4J is bound to " + LoggerFactory.getILoggerFactory().getClass()
                    + ", not to the capturing provider; run with -Dslf4j.provider="
                    + CapturingLoggerProvider.class.getName());
        }
        LogCapture capture = new LogCapture();
        OPEN.add(capture);
        return capture;
    }

    /** Returns the events captured so far, in the order logged. */
    public List<CapturedEvent> events() {
        return List.copyOf(events);
    }

    @Override
    public void close() {
        OPEN.remove(this);
    }

    static boolean isCapturing() {
        return !OPEN.isEmpty();
    }

    static void record(CapturedEvent event) {
        for (LogCapture capture : OPEN) {
            capture.events.add(event);
        }
    }
}
