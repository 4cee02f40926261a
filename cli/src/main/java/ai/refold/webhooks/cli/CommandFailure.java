package ai.refold.webhooks.cli;

/**
 * A command could not do its work (a connection refused, a timeout, a database that cannot be reached): the tool
 * prints the message, one line that says what failed, and exits with 1.
 */
final class CommandFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    CommandFailure(String message) {
        super(message, null, false, false);
    }
}
