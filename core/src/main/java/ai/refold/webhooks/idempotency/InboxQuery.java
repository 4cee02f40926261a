package ai.refold.webhooks.idempotency;

import ai.refold.webhooks.event.EventType;

import java.time.Instant;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Which entries of an {@link InboxStore} to list, replay or discard: by state, event type and time received, or one
 * entry by its key.
 *
 * <pre>{@code
 * List<InboxEntry> dead = store.list(InboxQuery.deadLetters().withEventType("Workflow Errored").withLimit(50));
 * store.replay(InboxQuery.deadLetters().withKey(key)); // that one dead letter, if it is one
 * }</pre>
 *
 * @param states        the states to match; never empty
 * @param eventType     the wire name to match, if any; {@code "unknown"} matches entries with none
 * @param receivedFrom  the earliest receive time to match, inclusive, if any
 * @param receivedUntil the latest receive time to match, exclusive, if any
 * @param limit         the most entries to return or act on, oldest received first
 * @param key           the idempotency key to match, if any: at most one entry
 */
public record InboxQuery(Set<InboxState> states, Optional<String> eventType, Optional<Instant> receivedFrom,
                         Optional<Instant> receivedUntil, int limit, Optional<String> key) {

    /** The most entries one query matches unless {@link #withLimit} says otherwise. */
    public static final int DEFAULT_LIMIT = 100;

    /** The event type that selects the entries whose body named no documented type. */
    public static final String UNKNOWN_EVENT_TYPE = "unknown";

    /**
     * Creates a query; {@link #deadLetters()}, {@link #in} and the {@code with} methods are the usual way to get one.
     *
     * @param states        the states to match; copied, and never empty
     * @param eventType     the wire name to match, if any; {@code "unknown"} matches entries with none
     * @param receivedFrom  the earliest receive time to match, inclusive, if any
     * @param receivedUntil the latest receive time to match, exclusive, if any
     * @param limit         the most entries to return or act on, oldest received first
     * @param key           the idempotency key to match, if any
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if no state is given or the limit is not positive
     */
    public InboxQuery {
        states = Set.copyOf(states);
        if (states.isEmpty()) {
            throw new IllegalArgumentException("an inbox query needs at least one state");
        }
        Objects.requireNonNull(eventType, "eventType");
        Objects.requireNonNull(receivedFrom, "receivedFrom");
        Objects.requireNonNull(receivedUntil, "receivedUntil");
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive but was " + limit);
        }
        Objects.requireNonNull(key, "key");
    }

    /**
     * Creates a query matching any key.
     *
     * @param states        the states to match; copied, and never empty
     * @param eventType     the wire name to match, if any; {@code "unknown"} matches entries with none
     * @param receivedFrom  the earliest receive time to match, inclusive, if any
     * @param receivedUntil the latest receive time to match, exclusive, if any
     * @param limit         the most entries to return or act on, oldest received first
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if no state is given or the limit is not positive
     */
    public InboxQuery(Set<InboxState> states, Optional<String> eventType, Optional<Instant> receivedFrom,
                      Optional<Instant> receivedUntil, int limit) {
        this(states, eventType, receivedFrom, receivedUntil, limit, Optional.empty());
    }

    /** {@return a query for every dead letter, up to {@value #DEFAULT_LIMIT}} */
    public static InboxQuery deadLetters() {
        return in(InboxState.DEAD);
    }

    /**
     * {@return a query for the entries in {@code states}, up to {@value #DEFAULT_LIMIT}}
     *
     * @param first a state to match
     * @param more  further states to match
     * @throws NullPointerException if a state is null
     */
    public static InboxQuery in(InboxState first, InboxState... more) {
        return new InboxQuery(EnumSet.of(first, more), Optional.empty(), Optional.empty(), Optional.empty(),
                DEFAULT_LIMIT);
    }

    /**
     * {@return whether an entry can have the event type {@code name}: one of {@link EventType}'s wire names, exactly
     * as written, or {@link #UNKNOWN_EVENT_TYPE}; a query for any other name (a typo, another case) matches nothing}
     *
     * @param name the event type a query would select
     * @throws NullPointerException if {@code name} is null
     */
    public static boolean isEventType(String name) {
        return name.equals(UNKNOWN_EVENT_TYPE) || EventType.fromWireName(name).isPresent();
    }

    /**
     * {@return a copy matching only entries of the event type with this wire name}
     *
     * @param wireName the wire name, for example {@code "Workflow Errored"}, or {@code "unknown"} for entries that
     *                 named no documented type
     * @throws NullPointerException if {@code wireName} is null
     */
    public InboxQuery withEventType(String wireName) {
        return new InboxQuery(states, Optional.of(wireName), receivedFrom, receivedUntil, limit, key);
    }

    /**
     * {@return a copy matching only entries received at or after {@code from} and before {@code until}}
     *
     * @param from  the earliest receive time to match, inclusive
     * @param until the latest receive time to match, exclusive
     * @throws NullPointerException if an argument is null
     */
    public InboxQuery withReceivedBetween(Instant from, Instant until) {
        return new InboxQuery(states, eventType, Optional.of(from), Optional.of(until), limit, key);
    }

    /**
     * {@return a copy matching at most {@code limit} entries}
     *
     * @param limit the most entries to return or act on, oldest received first
     * @throws IllegalArgumentException if {@code limit} is not positive
     */
    public InboxQuery withLimit(int limit) {
        return new InboxQuery(states, eventType, receivedFrom, receivedUntil, limit, key);
    }

    /**
     * {@return a copy matching only the entry with this idempotency key, so that an operator replays or discards
     * exactly the dead letter they inspected}
     *
     * @param key the entry's idempotency key
     * @throws NullPointerException if {@code key} is null
     */
    public InboxQuery withKey(String key) {
        return new InboxQuery(states, eventType, receivedFrom, receivedUntil, limit,
                Optional.of(Objects.requireNonNull(key, "key")));
    }

    /** {@return a copy with the same filters matching only DEAD entries, as replay and discard act on} */
    public InboxQuery deadOnly() {
        return new InboxQuery(Set.of(InboxState.DEAD), eventType, receivedFrom, receivedUntil, limit, key);
    }

    /**
     * {@return whether {@code entry} matches, ignoring the limit}
     *
     * @param entry the entry to test
     */
    public boolean matches(InboxEntry entry) {
        return states.contains(entry.state())
                && key.map(entry.key()::equals).orElse(true)
                && eventType.map(type -> type.equals(entry.eventType().orElse(UNKNOWN_EVENT_TYPE))).orElse(true)
                && receivedFrom.map(from -> !entry.receivedAt().isBefore(from)).orElse(true)
                && receivedUntil.map(until -> entry.receivedAt().isBefore(until)).orElse(true);
    }
}
