package ai.refold.webhooks.spring.autoconfigure;

/**
 * Thrown at startup when a receiver property under {@code refold.webhooks} cannot work: a value core refuses, or one
 * the starter knows would never serve. The message names the property; the action says what to change. Explained by
 * {@link RefoldWebhookConfigurationFailureAnalyzer}; the inbox's properties have
 * {@link RefoldInboxConfigurationException}.
 */
final class RefoldWebhookConfigurationException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final String property;
    private final String action;

    /**
     * @param property the property, for example {@code refold.webhooks.lease}
     * @param problem  what is wrong with its value, completing a sentence that starts with the property's name
     */
    RefoldWebhookConfigurationException(String property, String problem) {
        this(property, problem, null, null);
    }

    /**
     * @param property the property, for example {@code refold.webhooks.lease}
     * @param problem  what is wrong with its value, completing a sentence that starts with the property's name
     * @param action   what to do about it
     */
    RefoldWebhookConfigurationException(String property, String problem, String action) {
        this(property, problem, action, null);
    }

    private RefoldWebhookConfigurationException(String property, String problem, String action, Throwable cause) {
        super(property + " " + problem, cause);
        this.property = property;
        this.action = action != null ? action : "Change " + property + ", or remove it to use the default.";
    }

    /**
     * Reports that core refused the value of {@code property}, with core's reason. Core names its setter
     * ({@code "lease must be positive ..."}); the property is named instead, once.
     */
    static RefoldWebhookConfigurationException refused(String property, IllegalArgumentException refusal) {
        String reason = refusal.getMessage() == null ? "" : refusal.getMessage();
        return new RefoldWebhookConfigurationException(property, "cannot be used: "
                + reason.replaceFirst("^[A-Za-z]+ (?=must )", "it "), null, refusal);
    }

    String property() {
        return property;
    }

    String action() {
        return action;
    }
}
