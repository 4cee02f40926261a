package ai.refold.webhooks;

import java.util.List;

/**
 * A handler's failure as an inbox keeps it for dead-letter inspection: the exception's class and the first line of
 * its message, control characters escaped, at most 300 characters, with any configured API key masked, so that
 * what operators read never holds a secret or a body.
 */
final class ErrorText {

    private static final int MAX_LENGTH = 300;
    private static final int MAX_CAUSES = 16;

    private final List<String> secrets;

    ErrorText(List<String> secrets) {
        this.secrets = List.copyOf(secrets);
    }

    /**
     * Returns {@code failure} for a log line, with its stack trace: itself, unless a configured API key appears in the
     * message of it or of a cause, and then a copy of the chain whose messages have the key masked (each copy named
     * after the class it stands for, with its stack trace).
     */
    Throwable loggable(Throwable failure) {
        if (failure == null || secrets.isEmpty() || !holdsSecret(failure)) {
            return failure;
        }
        return masked(failure, 0);
    }

    private boolean holdsSecret(Throwable failure) {
        int depth = 0;
        for (Throwable t = failure; t != null && depth < MAX_CAUSES; t = t.getCause(), depth++) {
            String message = t.getMessage();
            if (message != null && secrets.stream().anyMatch(message::contains)) {
                return true;
            }
        }
        return false;
    }

    private Throwable masked(Throwable failure, int depth) {
        String message = failure.getMessage() == null ? null : mask(failure.getMessage());
        Throwable cause = failure.getCause() == null || depth + 1 >= MAX_CAUSES ? null
                : masked(failure.getCause(), depth + 1);
        Masked copy = new Masked(failure.getClass().getName() + (message == null ? "" : ": " + message), cause);
        copy.setStackTrace(failure.getStackTrace());
        return copy;
    }

    private String mask(String text) {
        for (String secret : secrets) {
            text = text.replace(secret, "****");
        }
        return text;
    }

    /** A failure whose message had a key masked; its message begins with the class it stands for. */
    static final class Masked extends Exception {
        Masked(String message, Throwable cause) {
            super(message, cause, false, true);
        }
    }

    String describe(Throwable failure) {
        String message = failure.getMessage();
        String text = failure.getClass().getName();
        if (message != null && !message.isBlank()) {
            int newline = message.indexOf('\n');
            text += ": " + (newline < 0 ? message : message.substring(0, newline));
        }
        text = DeliveryLog.printable(mask(text));
        return text.length() <= MAX_LENGTH ? text : text.substring(0, MAX_LENGTH - 3) + "...";
    }
}
