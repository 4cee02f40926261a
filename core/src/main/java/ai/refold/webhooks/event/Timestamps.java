package ai.refold.webhooks.event;

import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/** Reads the timestamps Refold sends: RFC 1123 in events, ISO 8601 in API responses. */
final class Timestamps {

    private Timestamps() {
    }

    static Optional<Instant> parse(String value) {
        String trimmed = value.trim();
        try {
            return Optional.of(ZonedDateTime.parse(trimmed, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
        } catch (DateTimeParseException notRfc1123) {
            try {
                return Optional.of(Instant.parse(trimmed));
            } catch (DateTimeParseException notIso) {
                return Optional.empty();
            }
        }
    }
}
