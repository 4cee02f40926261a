package ai.refold.webhooks.logcapture;

import org.slf4j.Marker;
import org.slf4j.event.KeyValuePair;
import org.slf4j.event.Level;
import org.slf4j.event.LoggingEvent;
import org.slf4j.helpers.AbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.spi.LoggingEventAware;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A logger enabled at every level that formats each event as a real provider would and hands it to the captures.
 * Like Logback, it receives events of SLF4J's fluent API whole, so their key-value pairs are kept apart from the
 * message, as a JSON encoder would write them.
 */
final class CapturingLogger extends AbstractLogger implements LoggingEventAware {

    private static final long serialVersionUID = 1L;

    CapturingLogger(String name) {
        this.name = name;
    }

    @Override
    public boolean isTraceEnabled() {
        return true;
    }

    @Override
    public boolean isTraceEnabled(Marker marker) {
        return true;
    }

    @Override
    public boolean isDebugEnabled() {
        return true;
    }

    @Override
    public boolean isDebugEnabled(Marker marker) {
        return true;
    }

    @Override
    public boolean isInfoEnabled() {
        return true;
    }

    @Override
    public boolean isInfoEnabled(Marker marker) {
        return true;
    }

    @Override
    public boolean isWarnEnabled() {
        return true;
    }

    @Override
    public boolean isWarnEnabled(Marker marker) {
        return true;
    }

    @Override
    public boolean isErrorEnabled() {
        return true;
    }

    @Override
    public boolean isErrorEnabled(Marker marker) {
        return true;
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String messagePattern, Object[] arguments,
                                               Throwable throwable) {
        if (!LogCapture.isCapturing()) {
            return;
        }
        // Formatting as a real provider would is the point: an argument's toString() is what reaches the log.
        String message = MessageFormatter.basicArrayFormat(messagePattern, arguments);
        LogCapture.record(new CapturedEvent(level, name, message, throwable, Map.of()));
    }

    @Override
    public void log(LoggingEvent event) {
        if (!LogCapture.isCapturing()) {
            return;
        }
        Object[] arguments = event.getArgumentArray();
        String message = MessageFormatter.basicArrayFormat(event.getMessage(), arguments);
        Map<String, Object> keyValues = new LinkedHashMap<>();
        if (event.getKeyValuePairs() != null) {
            for (KeyValuePair pair : event.getKeyValuePairs()) {
                keyValues.put(pair.key, pair.value);
            }
        }
        LogCapture.record(new CapturedEvent(event.getLevel(), name, message, event.getThrowable(), keyValues));
    }
}
