package ai.refold.webhooks.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the tool writes: results on standard output, one line per error on standard error. Every line passes a last
 * check that masks the API key and the database password, should any library have put one into a message.
 */
final class Output {

    // A shorter secret would mask ordinary words; no message of the tool or its libraries contains one anyway.
    private static final int MIN_MASKED_LENGTH = 4;

    private final PrintStream out;
    private final PrintStream err;
    private final List<String> secrets = new ArrayList<>();

    Output(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** Registers a value that must never be printed. */
    void secret(String value) {
        if (value != null && value.length() >= MIN_MASKED_LENGTH) {
            secrets.add(value);
        }
    }

    void line(String text) {
        out.println(mask(text));
    }

    /** Prints usage text as it is, several lines. */
    void text(String text) {
        out.print(text);
    }

    /** Prints {@code message} as one line on standard error, after the tool's name and "warning:". */
    void warning(String message) {
        error("warning: " + message);
    }

    /** Prints {@code message} as one line on standard error, after the tool's name. */
    void error(String message) {
        err.println(RefoldWebhooksCli.NAME + ": " + mask(String.valueOf(message)).replaceAll("\\s*\\R\\s*", " "));
    }

    private String mask(String text) {
        String masked = text;
        for (String secret : secrets) {
            masked = masked.replace(secret, "****");
        }
        return masked;
    }
}
