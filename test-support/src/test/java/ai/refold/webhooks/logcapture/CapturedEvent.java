package ai.refold.webhooks.logcapture;

import org.slf4j.event.Level;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

/**
 * One log event as a provider would write it.
 *
 * @param level     the level
 * @param logger    the logger name
 * @param message   the formatted message
 * @param throwable the attached throwable, or null
 * @param keyValues the key-value pairs of an event logged with SLF4J's fluent API, in the order added
 */
public record CapturedEvent(Level level, String logger, String message, Throwable throwable,
                            Map<String, Object> keyValues) {

    /**
     * Returns the line with its key-value pairs and, if a throwable is attached, its full stack trace with every
     * cause, as a log would show.
     */
    public String rendered() {
        String line = level + " " + logger + " " + message + (keyValues.isEmpty() ? "" : " " + keyValues);
        if (throwable == null) {
            return line;
        }
        StringWriter trace = new StringWriter();
        throwable.printStackTrace(new PrintWriter(trace));
        return line + System.lineSeparator() + trace;
    }
}
