package ai.refold.webhooks;

import java.util.List;

/**
 * A handler's failure as an inbox keeps it for dead-letter inspection: the exception's class and the first line of
 * its message, control characters escaped, at most 300 characters, with any configured API key masked, so that
 * what operators read never holds a secret or a body.
 */
final class ErrorText {

    private static final int MAX_LENGTH = 300;

    private final List<String> secrets;

    ErrorText(List<String> secrets) {
        this.secrets = List.copyOf(secrets);
    }

    String describe(Throwable failure) {
        String message = failure.getMessage();
        String text = failure.getClass().getName();
        if (message != null && !message.isBlank()) {
            int newline = message.indexOf('\n');
            text += ": " + (newline < 0 ? message : message.substring(0, newline));
        }
        for (String secret : secrets) {
            text = text.replace(secret, "****");
        }
        text = DeliveryLog.printable(text);
        return text.length() <= MAX_LENGTH ? text : text.substring(0, MAX_LENGTH - 3) + "...";
    }
}
