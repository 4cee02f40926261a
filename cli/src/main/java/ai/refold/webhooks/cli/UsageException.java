package ai.refold.webhooks.cli;

/** The command line is wrong: the tool prints the message with a pointer to {@code --help} and exits with 2. */
final class UsageException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message, null, false, false);
    }
}
