package ai.refold.webhooks.cli;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.idempotency.InboxEntry;
import ai.refold.webhooks.idempotency.InboxQuery;
import ai.refold.webhooks.idempotency.InboxState;
import ai.refold.webhooks.idempotency.InboxStore;
import ai.refold.webhooks.idempotency.StoreUnavailableException;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The {@code dead-letters} commands on a receiver's durable inbox ({@code JdbcInboxStore}): list the deliveries
 * whose every attempt failed, show one, replay them (pending and due now; the receiver's workers run the handlers
 * that have not yet succeeded) or discard them.
 */
final class DeadLetters {

    private static final Set<String> FILTERS = Set.of("event-type", "from", "until");
    // --limit caps a run but selects nothing (see change): a selection's options are the filters and it
    private static final Set<String> SELECTION = Stream.concat(FILTERS.stream(), Stream.of("limit"))
            .collect(Collectors.toUnmodifiableSet());
    static final Arguments.Syntax LIST = syntax("list", SELECTION, Set.of(), 0);
    static final Arguments.Syntax SHOW = syntax("show", Set.of(), Set.of("show-header-values"), 1);
    static final Arguments.Syntax REPLAY = syntax("replay", SELECTION, Set.of("all"), 1);
    static final Arguments.Syntax DISCARD = syntax("discard", SELECTION, Set.of("all"), 1);

    private DeadLetters() {
    }

    static int run(List<String> words, Function<String, String> environment, Output output) {
        if (words.isEmpty() || words.get(0).startsWith("-")) {
            throw new UsageException("dead-letters needs list, show, replay or discard");
        }
        List<String> rest = words.subList(1, words.size());
        return switch (words.get(0)) {
            case "list" -> list(Arguments.parse(rest, LIST), environment, output);
            case "show" -> show(Arguments.parse(rest, SHOW), environment, output);
            case "replay", "discard" -> change(Arguments.parse(rest, words.get(0).equals("replay") ? REPLAY : DISCARD),
                    environment, output);
            default -> throw new UsageException((Arguments.isNameShaped(words.get(0))
                    ? "unknown dead-letters command '" + words.get(0) + "'"
                    : "the argument after dead-letters is not a command (not shown, in case it is a key)")
                    + " (list, show, replay, discard)");
        };
    }

    private static int list(Arguments arguments, Function<String, String> environment, Output output) {
        InboxQuery query = selection(arguments);
        InboxDatabase database = InboxDatabase.open(arguments, environment, output);
        List<InboxEntry> dead = call(database, () -> database.store().list(query));
        if (dead.isEmpty()) {
            output.line("no dead letters" + (query.eventType().isPresent() || query.receivedFrom().isPresent()
                    || query.receivedUntil().isPresent() ? " match" : ""));
            return RefoldWebhooksCli.OK;
        }
        // One line per entry: whatever the store holds, a control character is printed as an escape
        int keyWidth = Math.max(3, dead.stream().mapToInt(entry -> OneLine.of(entry.key()).length()).max().orElse(0));
        String format = "%-27s  %-18s  %8s  %-" + keyWidth + "s  %s";
        output.line(String.format(format, "received at", "event type", "attempts", "key", "last error").strip());
        for (InboxEntry entry : dead) {
            output.line(String.format(format, entry.receivedAt(), OneLine.of(entry.eventType().orElse(InboxQuery.UNKNOWN_EVENT_TYPE)),
                    entry.attempts(), OneLine.of(entry.key()), OneLine.of(entry.lastError().orElse("-"))));
        }
        output.line(dead.size() + (dead.size() == 1 ? " dead letter" : " dead letters")
                + (dead.size() == query.limit() ? ", the oldest " + query.limit() + "; --limit shows more" : ""));
        return RefoldWebhooksCli.OK;
    }

    private static int show(Arguments arguments, Function<String, String> environment, Output output) {
        String key = arguments.positional(0).filter(text -> !text.isBlank())
                .orElseThrow(() -> new UsageException("dead-letters show needs a KEY"));
        InboxDatabase database = InboxDatabase.open(arguments, environment, output);
        InboxEntry entry = call(database, () -> database.store().find(key))
                .orElseThrow(() -> new CommandFailure("the inbox has no entry with the key " + key));
        // One line per field, as for list; only the body, printed last, keeps its lines
        output.line("key:            " + OneLine.of(entry.key()));
        output.line("state:          " + entry.state());
        output.line("event type:     " + OneLine.of(entry.eventType().orElse(InboxQuery.UNKNOWN_EVENT_TYPE)));
        output.line("verified by:    key label " + OneLine.of(entry.keyLabel()));
        output.line("received at:    " + entry.receivedAt());
        output.line("attempts:       " + entry.attempts());
        output.line((entry.state() == InboxState.DEAD ? "dead since:     " : "next attempt:   ")
                + entry.nextAttemptAt());
        output.line("done handlers:  " + (entry.doneHandlers().isEmpty() ? "-"
                : OneLine.of(entry.doneHandlers().stream().sorted().collect(Collectors.joining(", ")))));
        output.line("last error:     " + OneLine.of(entry.lastError().orElse("-")));
        // Names only by default: a subscription's custom webhook_headers often carry credentials for the receiver,
        // and the inbox keeps every header but the signature, Authorization, Proxy-Authorization and Cookie.
        List<String> names = entry.headers().keySet().stream()
                .sorted(String.CASE_INSENSITIVE_ORDER.thenComparing(Comparator.naturalOrder())).toList();
        if (names.isEmpty()) {
            output.line("headers:        -");
        } else if (arguments.has("show-header-values")) {
            output.line("headers:        values shown (--show-header-values)");
            names.forEach(name -> entry.headers().get(name).forEach(value -> output.line("header:         "
                    + OneLine.of(name) + ": " + OneLine.of(value))));
        } else {
            output.line("headers:        " + OneLine.of(String.join(", ", names)) + " (values not shown;"
                    + " --show-header-values prints them)");
        }
        byte[] body = entry.body();
        output.line("body:           " + body.length + " bytes");
        output.line(new String(body, StandardCharsets.UTF_8));
        return RefoldWebhooksCli.OK;
    }

    // replay or discard: one dead letter by its key, or those a selection matches
    private static int change(Arguments arguments, Function<String, String> environment, Output output) {
        boolean replay = arguments.command().endsWith("replay");
        Optional<String> key = arguments.positional(0);
        if (key.isPresent() && key.get().isBlank()) {
            throw new UsageException("a KEY must not be blank");
        }
        // --limit caps a run but selects nothing: alone it must not stand for --all
        boolean selects = arguments.has("all") || FILTERS.stream().anyMatch(arguments::has);
        if (key.isPresent() ? selects || arguments.has("limit") : !selects) {
            throw new UsageException(arguments.command() + (key.isPresent() ? " takes a KEY or a selection, not both"
                    : " needs a KEY, a selection (--event-type, --from, --until) or --all"
                            + (arguments.has("limit") ? "; --limit alone selects nothing" : "")));
        }
        if (arguments.has("all") && FILTERS.stream().anyMatch(arguments::has)) {
            throw new UsageException("--all selects every dead letter: leave out --event-type, --from and --until");
        }
        InboxQuery query = key.isPresent() ? null : selection(arguments);
        InboxDatabase database = InboxDatabase.open(arguments, environment, output);
        InboxStore store = database.store();
        if (key.isPresent()) {
            InboxQuery one = onlyEntry(database, key.get());
            int changed = call(database, () -> replay ? store.replay(one) : store.discard(one));
            if (changed != 1) {
                throw new CommandFailure(key.get() + " was no longer dead");
            }
            output.line(replay ? "replayed " + key.get() + ": pending and due now; a running receiver's workers run"
                    + " the handlers not yet done" : "discarded " + key.get());
            return RefoldWebhooksCli.OK;
        }
        int changed = call(database, () -> replay ? store.replay(query) : store.discard(query));
        output.line((replay ? "replayed " : "discarded ") + changed + (changed == 1 ? " dead letter" : " dead letters")
                + (changed == query.limit() ? "; that is the --limit, run again for more" : ""));
        return RefoldWebhooksCli.OK;
    }

    // The query for the dead letter with this key, after checking that the entry exists and is dead, so that the
    // answer says which of the two it was not.
    private static InboxQuery onlyEntry(InboxDatabase database, String key) {
        InboxEntry entry = call(database, () -> database.store().find(key))
                .orElseThrow(() -> new CommandFailure("the inbox has no entry with the key " + key));
        if (entry.state() != InboxState.DEAD) {
            throw new CommandFailure("the entry " + key + " is " + entry.state() + ", not dead");
        }
        return InboxQuery.deadLetters().withKey(key).withLimit(1);
    }

    private static InboxQuery selection(Arguments arguments) {
        Optional<String> eventType = arguments.value("event-type");
        eventType.ifPresent(name -> {
            if (!InboxQuery.isEventType(name)) {
                throw new UsageException("--event-type must be a documented event name or "
                        + InboxQuery.UNKNOWN_EVENT_TYPE + ", not '" + name
                        + "' (" + wireNames() + ")");
            }
        });
        Optional<Instant> from = arguments.value("from").map(text -> time("from", text));
        Optional<Instant> until = arguments.value("until").map(text -> time("until", text));
        if (from.isPresent() && until.isPresent() && !from.get().isBefore(until.get())) {
            throw new UsageException("--from must be before --until");
        }
        int limit = arguments.value("limit").map(DeadLetters::limit).orElse(InboxQuery.DEFAULT_LIMIT);
        return new InboxQuery(Set.of(InboxState.DEAD), eventType, from, until, limit);
    }

    private static Instant time(String option, String text) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException notAnInstant) {
            try {
                return OffsetDateTime.parse(text).toInstant();
            } catch (DateTimeParseException notOffset) {
                try {
                    return LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant();
                } catch (DateTimeParseException notADate) {
                    throw new UsageException("--" + option + " must be an ISO-8601 time such as 2026-06-16T12:00:00Z"
                            + " or 2026-06-16T14:00:00+02:00, or a date (midnight UTC), not '" + text + "'");
                }
            }
        }
    }

    private static int limit(String text) {
        try {
            int limit = Integer.parseInt(text);
            if (limit > 0) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException("--limit must be a positive whole number, not '" + text + "'");
    }

    private static String wireNames() {
        List<String> names = new ArrayList<>();
        for (EventType type : EventType.values()) {
            names.add(type.wireName());
        }
        return String.join(", ", names);
    }

    private static <T> T call(InboxDatabase database, Supplier<T> operation) {
        try {
            return operation.get();
        } catch (StoreUnavailableException e) {
            throw database.failure(e);
        }
    }

    private static Arguments.Syntax syntax(String command, Set<String> options, Set<String> flags, int positionals) {
        Set<String> all = new HashSet<>(InboxDatabase.OPTIONS);
        all.addAll(options);
        return new Arguments.Syntax("dead-letters " + command, all, flags, positionals);
    }
}
