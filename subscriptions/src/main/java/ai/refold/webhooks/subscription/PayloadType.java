package ai.refold.webhooks.subscription;

import java.util.Optional;

/** The payload formats a subscription can deliver in ({@code webhook_type}). */
public enum PayloadType {
    /** The full event object; the server's default. */
    DEFAULT("default"),
    /** A message formatted for a Slack incoming webhook. */
    SLACK("slack"),
    /** The subscription's own body template. */
    CUSTOM("custom");

    private static final PayloadType[] VALUES = values();

    private final String wireName;

    PayloadType(String wireName) {
        this.wireName = wireName;
    }

    /** {@return the value sent as {@code webhook_type}, for example {@code "default"}} */
    public String wireName() {
        return wireName;
    }

    /**
     * {@return the type whose wire name is exactly {@code wireName}, or empty for any other value}
     *
     * @param wireName the {@code webhook_type} value, for example {@code "slack"}
     */
    public static Optional<PayloadType> fromWireName(String wireName) {
        for (PayloadType type : VALUES) {
            if (type.wireName.equals(wireName)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }
}
