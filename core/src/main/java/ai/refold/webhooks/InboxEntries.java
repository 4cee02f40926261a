package ai.refold.webhooks;

import ai.refold.webhooks.event.ConnectionEvent;
import ai.refold.webhooks.event.WebhookEvent;
import ai.refold.webhooks.event.WorkflowEvent;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/** What the inbox keeps of a delivery besides its body: the headers handlers may read, and its ordering key. */
final class InboxEntries {

    // Headers a handler has no business reading again from storage: the signature and credentials.
    private static final Set<String> NOT_STORED = Set.of("authorization", "proxy-authorization", "cookie");

    private InboxEntries() {
    }

    /** Returns the linked account an event names, if any. */
    static Optional<String> orderingKey(WebhookEvent event) {
        Optional<String> account = event instanceof ConnectionEvent connection
                ? Optional.of(connection.linkedAccountId())
                : event instanceof WorkflowEvent workflow ? workflow.linkedAccountId() : Optional.empty();
        return account.filter(id -> !id.isEmpty());
    }

    /** Returns the headers handlers may read later, names lower-cased: not the signature, not credentials. */
    static Map<String, List<String>> stored(Headers headers, String signatureHeader) {
        Map<String, List<String>> kept = new TreeMap<>();
        for (String name : headers.names()) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!lower.equals(signatureHeader) && !NOT_STORED.contains(lower)) {
                kept.put(lower, headers.all(name));
            }
        }
        return kept;
    }
}
