package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.idempotency.InboxEntry;
import ai.refold.webhooks.idempotency.InboxQuery;
import ai.refold.webhooks.idempotency.InboxState;
import ai.refold.webhooks.idempotency.InboxStats;
import ai.refold.webhooks.idempotency.InboxStore;

import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.Selector.Match;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.lang.Nullable;

import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * The {@code refoldinbox} Actuator endpoint: lists the inbox's deliveries and counts, shows one delivery, replays
 * or discards dead letters (one, those that match an event type and a receive-time range, or explicitly all).
 * It shows what an operator needs to decide (state, attempts, the last failure as class and sanitized message,
 * header names, body size) and never a body, a header value, a signature or a key. Exposed and secured like any
 * Actuator endpoint: nothing is reachable over HTTP until {@code management.endpoints.web.exposure.include} names it.
 */
@Endpoint(id = RefoldInboxEndpoint.ID)
public class RefoldInboxEndpoint {

    /** The endpoint's id, and its path under the Actuator base path. */
    public static final String ID = "refoldinbox";

    /** The most entries one request lists, replays or discards. */
    static final int MAX_LIMIT = 1000;

    private final InboxStore store;
    private final Clock clock;
    private final IntConsumer replays;

    RefoldInboxEndpoint(InboxStore store, Clock clock, IntConsumer replays) {
        this.store = store;
        this.clock = clock;
        this.replays = replays;
    }

    /**
     * {@return the counts and the entries matching the filters, oldest received first} Every filter is optional.
     *
     * @param state     the state to list, {@code pending}, {@code processing}, {@code done} or {@code dead} in any
     *                  case; all by default
     * @param eventType a wire name such as {@code Workflow Errored}, or {@code unknown} for entries that named no
     *                  documented type
     * @param from      the earliest receive time to list, inclusive, as an ISO-8601 instant
     * @param to        the latest receive time to list, exclusive, as an ISO-8601 instant
     * @param limit     the most entries to list, 1 to 1000; 100 by default
     * @param key       the idempotency key of the one delivery to list: the form that reaches every key, where a
     *                  key holding a {@code ;}, a {@code %} or a {@code \} is refused in a path by servers and by
     *                  Spring Security's firewall
     */
    @ReadOperation
    public InboxReport inbox(@Nullable String state, @Nullable String eventType, @Nullable String from,
                             @Nullable String to, @Nullable Integer limit, @Nullable String key) {
        Set<InboxState> states = state == null ? EnumSet.allOf(InboxState.class) : EnumSet.of(state(state));
        InboxQuery filtered = query(states, eventType, from, to, limit);
        InboxQuery query = key == null ? filtered : filtered.withKey(key(key));
        List<Entry> entries = store.list(query).stream().map(Entry::of).toList();
        return new InboxReport(Stats.of(store.stats(), clock.instant()), entries);
    }

    /**
     * {@return the delivery with {@code key}, or nothing (404) if the inbox holds none}
     *
     * @param key the delivery's idempotency key, the rest of the path: a {@code /} in it is sent as it is, since
     *            servers and Spring Security's firewall refuse an encoded one
     */
    @ReadOperation
    @Nullable
    public Entry entry(@Selector(match = Match.ALL_REMAINING) String[] key) {
        return store.find(key(key)).map(Entry::of).orElse(null);
    }

    /**
     * Replays the dead letters matching the filters (as for listing, without {@code state}), oldest received first,
     * at most {@code limit}: each is due at once, its attempts from zero, the handlers not yet done run again. A
     * replay names what it replays: at least one filter, or {@code all} for every dead letter, so that an empty
     * request replays nothing. With {@code key}, replays that one dead letter instead, as {@link #replayOne} does: the form that
     * reaches every key.
     *
     * @param key       the idempotency key of the one dead letter to replay, with no other selection
     * @param eventType a wire name such as {@code Workflow Errored}, or {@code unknown} for entries that named no
     *                  documented type
     * @param from      the earliest receive time to replay, inclusive, as an ISO-8601 instant
     * @param to        the latest receive time to replay, exclusive, as an ISO-8601 instant
     * @param all       {@code true} to replay every dead letter (up to {@code limit}), with no filter
     * @param limit     the most dead letters to replay, 1 to 1000; 100 by default
     * @return how many dead letters were replayed, and whether the limit cut the replay short; or 400 and why not
     */
    @WriteOperation
    public WebEndpointResponse<Action> replay(@Nullable String key, @Nullable String eventType, @Nullable String from,
                                              @Nullable String to, @Nullable Boolean all, @Nullable Integer limit) {
        return selected(key, eventType, from, to, all, limit, this::replayKey,
                query -> new Action(replayed(store.replay(query)), "replayed", query));
    }

    /**
     * Replays the delivery with {@code key} if it is a dead letter: due at once, the handlers not yet done run again.
     *
     * @param key the delivery's idempotency key, the rest of the path: a {@code /} in it is sent as it is
     * @return 1 replayed, or 0 and why not: no such delivery, or it is not a dead letter
     */
    @WriteOperation
    public WebEndpointResponse<Action> replayOne(@Selector(match = Match.ALL_REMAINING) String[] key) {
        return answer(() -> replayKey(key(key)));
    }

    /**
     * Deletes the delivery with {@code key} if it is a dead letter; its key may then be received again.
     *
     * @param key the delivery's idempotency key, the rest of the path: a {@code /} in it is sent as it is
     * @return 1 discarded, or 0 and why not: no such delivery, or it is not a dead letter
     */
    @DeleteOperation
    public WebEndpointResponse<Action> discard(@Selector(match = Match.ALL_REMAINING) String[] key) {
        return answer(() -> discardKey(key(key)));
    }

    /**
     * Deletes the dead letters matching the filters (as for a replay), oldest received first, at most {@code limit};
     * their keys may then be received again. A discard names what it discards: at least one filter, or {@code all}
     * for every dead letter. With {@code key}, deletes that one dead letter instead, as {@link #discard} does: the
     * form that reaches every key. Actuator reads no body on a {@code DELETE}: the selection is in the query.
     *
     * @param key       the idempotency key of the one dead letter to discard, with no other selection
     * @param eventType a wire name such as {@code Workflow Errored}, or {@code unknown} for entries that named no
     *                  documented type
     * @param from      the earliest receive time to discard, inclusive, as an ISO-8601 instant
     * @param to        the latest receive time to discard, exclusive, as an ISO-8601 instant
     * @param all       {@code true} to discard every dead letter (up to {@code limit}), with no filter
     * @param limit     the most dead letters to discard, 1 to 1000; 100 by default
     * @return how many dead letters were discarded, and whether the limit cut the discard short; or 400 and why not
     */
    @DeleteOperation
    public WebEndpointResponse<Action> discardMatching(@Nullable String key, @Nullable String eventType,
                                                       @Nullable String from, @Nullable String to,
                                                       @Nullable Boolean all, @Nullable Integer limit) {
        return selected(key, eventType, from, to, all, limit, this::discardKey,
                query -> new Action(store.discard(query), "discarded", query));
    }

    // One dead letter by key, or the dead letters a selection names: a key leaves no room for another selection.
    private WebEndpointResponse<Action> selected(@Nullable String key, @Nullable String eventType,
                                                 @Nullable String from, @Nullable String to, @Nullable Boolean all,
                                                 @Nullable Integer limit, Function<String, Action> one,
                                                 Function<InboxQuery, Action> matching) {
        return answer(() -> key != null ? one.apply(only(key, eventType, from, to, all, limit))
                : matching.apply(selection(eventType, from, to, all, limit)));
    }

    private Action replayKey(String key) {
        return byKey(key, query -> replayed(store.replay(query)), "replayed; the handlers not yet done run again");
    }

    private Action discardKey(String key) {
        return byKey(key, store::discard, "discarded");
    }

    private Action byKey(String key, ToIntFunction<InboxQuery> action, String done) {
        int count = action.applyAsInt(InboxQuery.deadLetters().withKey(key));
        return new Action(count, count == 1 ? done : notDead(key));
    }

    private int replayed(int count) {
        if (count > 0) {
            replays.accept(count);
        }
        return count;
    }

    private String notDead(String key) {
        return store.find(key).map(entry -> "not a dead letter: it is " + entry.state())
                .orElse("no delivery with this key");
    }

    // Dead letters by filters or, explicitly, all of them: never every dead letter for want of a filter.
    private static InboxQuery selection(@Nullable String eventType, @Nullable String from, @Nullable String to,
                                        @Nullable Boolean all, @Nullable Integer limit) {
        boolean filtered = eventType != null || from != null || to != null;
        boolean every = Boolean.TRUE.equals(all);
        if (every && filtered) {
            throw new InvalidEndpointRequestException("all selects every dead letter: leave out eventType, from and"
                    + " to", "all with a filter");
        }
        if (!every && !filtered) {
            throw new InvalidEndpointRequestException("name the dead letters with a key, with eventType, from or to,"
                    + " or set all to true for every dead letter", "no selection");
        }
        return query(Set.of(InboxState.DEAD), eventType, from, to, limit);
    }

    // One delivery by its key, which leaves no room for another selection.
    private static String only(String key, @Nullable Object... selection) {
        if (Arrays.stream(selection).anyMatch(Objects::nonNull)) {
            throw new InvalidEndpointRequestException("key names one dead letter: leave out eventType, from, to, all"
                    + " and limit", "key with a selection");
        }
        return key(key);
    }

    // Actuator splits the rest of the path at '/', decodes each segment and drops empty ones: a key with "//" or a
    // leading or trailing '/' is reachable only by the key parameter. An empty key is refused, not looked up.
    private static String key(String[] segments) {
        return key(String.join("/", segments));
    }

    private static String key(String key) {
        if (key.isEmpty()) {
            throw new InvalidEndpointRequestException("key must not be empty", "empty key");
        }
        return key;
    }

    // A write answers with what it did, or with 400 and why it did nothing: the reason in the body, where Boot's
    // error responses leave it out unless server.error.include-message says otherwise.
    private static WebEndpointResponse<Action> answer(Supplier<Action> action) {
        try {
            return new WebEndpointResponse<>(action.get());
        } catch (InvalidEndpointRequestException e) {
            return new WebEndpointResponse<>(new Action(0, e.getMessage()), WebEndpointResponse.STATUS_BAD_REQUEST);
        }
    }

    private static InboxQuery query(Set<InboxState> states, @Nullable String eventType, @Nullable String from,
                                    @Nullable String to, @Nullable Integer limit) {
        int most = limit == null ? InboxQuery.DEFAULT_LIMIT : limit;
        if (most < 1 || most > MAX_LIMIT) {
            throw new InvalidEndpointRequestException("limit must be 1 to " + MAX_LIMIT, "invalid limit");
        }
        Optional<Instant> earliest = instant("from", from);
        Optional<Instant> latest = instant("to", to);
        if (earliest.isPresent() && latest.isPresent() && !earliest.get().isBefore(latest.get())) {
            throw new InvalidEndpointRequestException("from (" + earliest.get() + ") must be before to ("
                    + latest.get() + ")", "from not before to");
        }
        return new InboxQuery(states, Optional.ofNullable(eventType).map(RefoldInboxEndpoint::eventType), earliest,
                latest, most);
    }

    // An entry keeps only a documented wire name, or none ("unknown"): any other name, a typo or a wrong case, would
    // match nothing and answer as if no dead letter were there.
    private static String eventType(String name) {
        if (InboxQuery.isEventType(name)) {
            return name;
        }
        throw new InvalidEndpointRequestException("eventType must be one of " + Arrays.stream(EventType.values())
                .map(EventType::wireName).toList() + " or " + InboxQuery.UNKNOWN_EVENT_TYPE + ", as written there",
                "invalid eventType");
    }

    private static InboxState state(String name) {
        try {
            return InboxState.valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidEndpointRequestException("state must be one of " + EnumSet.allOf(InboxState.class),
                    "invalid state");
        }
    }

    private static Optional<Instant> instant(String name, @Nullable String value) {
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(value.trim()));
        } catch (DateTimeParseException e) {
            throw new InvalidEndpointRequestException(name + " must be an ISO-8601 instant such as"
                    + " 2024-05-01T00:00:00Z", "invalid " + name);
        }
    }

    /**
     * The inbox's counts, and the entries a listing matched.
     *
     * @param stats   the counts and the oldest due time
     * @param entries the entries, oldest received first
     */
    public record InboxReport(Stats stats, List<Entry> entries) implements OperationResponseBody {
    }

    /**
     * How many entries are in each state, and since when the oldest due one has waited.
     *
     * @param entries             the count of each state
     * @param estimated           the states whose count is an estimate (see {@link InboxStats})
     * @param oldestDueAt         when the oldest due entry became due, if any is due (ISO-8601)
     * @param oldestDueAgeSeconds how long it has waited, if any is due
     */
    public record Stats(Map<String, Long> entries, List<String> estimated, @Nullable String oldestDueAt,
                        @Nullable Long oldestDueAgeSeconds) {

        static Stats of(InboxStats stats, Instant now) {
            Map<String, Long> counts = new LinkedHashMap<>();
            List<String> estimated = new ArrayList<>();
            for (InboxState state : InboxState.values()) {
                counts.put(state.name(), stats.count(state));
                if (stats.isEstimated(state)) {
                    estimated.add(state.name());
                }
            }
            return new Stats(counts, List.copyOf(estimated), stats.oldestDue().map(Instant::toString).orElse(null),
                    stats.oldestDue().map(due -> InboxHealth.ageOf(due, now).toSeconds()).orElse(null));
        }
    }

    /**
     * One delivery as an operator sees it: never its body, a header value or a key.
     *
     * @param key           its idempotency key
     * @param eventType     the wire name of its event type, if the body named a documented one
     * @param keyLabel      the label of the signing key that verified it (the label, never the key)
     * @param state         where it stands
     * @param attempts      how many attempts have failed
     * @param receivedAt    when it was received (ISO-8601)
     * @param nextAttemptAt when it is due, its lease ends, or (done) its retention ends (ISO-8601)
     * @param doneHandlers  the handlers that already succeeded; a retry runs only the others
     * @param lastError     the last failure: exception class and first line of its message, API keys masked
     * @param rerun         whether its current attempt took over one that ended without a record
     * @param headerNames   the names of the headers kept for handlers
     * @param bodyBytes     the size of the body
     */
    public record Entry(String key, @Nullable String eventType, String keyLabel, String state, int attempts,
                        String receivedAt, String nextAttemptAt, Set<String> doneHandlers, @Nullable String lastError,
                        boolean rerun, Set<String> headerNames, int bodyBytes) implements OperationResponseBody {

        static Entry of(InboxEntry entry) {
            return new Entry(entry.key(), entry.eventType().orElse(null), entry.keyLabel(), entry.state().name(),
                    entry.attempts(), entry.receivedAt().toString(), entry.nextAttemptAt().toString(),
                    new TreeSet<>(entry.doneHandlers()), entry.lastError().orElse(null), entry.rerun(),
                    new TreeSet<>(entry.headers().keySet()), entry.body().length);
        }
    }

    /**
     * What a replay or a discard did.
     *
     * @param entries how many deliveries it changed
     * @param detail  what happened, in words
     */
    public record Action(int entries, String detail) implements OperationResponseBody {

        Action(int entries, String done, InboxQuery selection) {
            this(entries, done + " " + entries + " dead letters" + (entries == selection.limit()
                    ? ", the limit: more may match" : ""));
        }
    }
}
