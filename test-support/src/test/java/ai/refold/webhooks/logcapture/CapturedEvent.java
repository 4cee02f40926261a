package ai.refold.webhooks.logcapture;

import org.slf4j.event.Level;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * One log event as a provider would write it.
 *
 * @param level     the level
 * @param logger    the logger name
 * @param message   the formatted message
 * @param throwable the attached throwable, or null
 */
public record CapturedEvent(Level level, String logger, String message, Throwable throwable) {

    /** Returns the line and, if a throwable is attached, its full stack trace with every cause, as a log would show. */
    public String rendered() {
        if (throwable == null) {
            return level + " " + logger + " " + message;
        }
        StringWriter trace = new StringWriter();
        throwable.printStackTrace(new PrintWriter(trace));
        return level + " " + logger + " " + message + System.lineSeparator() + trace;
    }
}
