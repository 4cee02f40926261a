package ai.refold.webhooks.spring.autoconfigure;

/**
 * Thrown at startup when the inbox's properties cannot work: a value out of range, a JDBC inbox without a
 * DataSource, or modes that exclude each other. The message names the properties, never their values; the action
 * says what to change. Explained by {@link RefoldInboxConfigurationFailureAnalyzer}.
 */
final class RefoldInboxConfigurationException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final String action;

    RefoldInboxConfigurationException(String message, String action) {
        super(message);
        this.action = action;
    }

    String action() {
        return action;
    }

    /** Reports that core refused the value of {@code property}; core's rule is kept, the value it quoted dropped. */
    static RefoldInboxConfigurationException refused(String property, IllegalArgumentException refusal) {
        String rule = refusal.getMessage() == null ? "" : refusal.getMessage().replaceFirst(" but was .*$", "");
        return new RefoldInboxConfigurationException(property + " has a value the inbox cannot use (" + rule
                + "). (The value is not shown.)", "Change " + property + " to a value within that range.");
    }
}
