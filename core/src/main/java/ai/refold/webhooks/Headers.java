package ai.refold.webhooks;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * An immutable snapshot of request headers with case-insensitive names, as HTTP defines them.
 * {@link #toString()} lists the names only, never the values.
 */
public final class Headers {

    private static final Headers EMPTY = new Headers(new TreeMap<>(String.CASE_INSENSITIVE_ORDER));

    private final TreeMap<String, List<String>> values;

    private Headers(TreeMap<String, List<String>> values) {
        this.values = values;
    }

    /** {@return headers with no entries} */
    public static Headers empty() {
        return EMPTY;
    }

    /**
     * {@return a snapshot of {@code headers}; names that differ only in case are merged, values kept in order}
     *
     * @param headers each header name with its values, as a servlet container or HTTP client reports them
     * @throws NullPointerException if the map, a name or a value is null
     */
    public static Headers of(Map<String, ? extends Collection<String>> headers) {
        Builder builder = builder();
        headers.forEach((name, list) -> list.forEach(value -> builder.add(name, value)));
        return builder.build();
    }

    /**
     * {@return headers holding one value for {@code name}}
     *
     * @param name  the header name, in any case
     * @param value the header's value
     * @throws NullPointerException if an argument is null
     */
    public static Headers of(String name, String value) {
        return builder().add(name, value).build();
    }

    /** {@return a new builder} */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * {@return the first value of {@code name}, if any}
     *
     * @param name the header name, matched without regard to case
     */
    public Optional<String> first(String name) {
        List<String> list = values.get(name);
        return list == null ? Optional.empty() : Optional.of(list.get(0));
    }

    /**
     * {@return every value of {@code name} in the order received; empty if none}
     *
     * @param name the header name, matched without regard to case
     */
    public List<String> all(String name) {
        List<String> list = values.get(name);
        return list == null ? List.of() : list;
    }

    /** {@return the header names, in case-insensitive order} */
    public Set<String> names() {
        return Collections.unmodifiableSet(values.keySet());
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Headers that && values.equals(that.values);
    }

    @Override
    public int hashCode() {
        // Must agree with the case-insensitive equals: hash the names as lower case.
        int hash = 0;
        for (Map.Entry<String, List<String>> entry : values.entrySet()) {
            hash += entry.getKey().toLowerCase(Locale.ROOT).hashCode() ^ entry.getValue().hashCode();
        }
        return hash;
    }

    @Override
    public String toString() {
        return "Headers" + values.keySet();
    }

    /** Collects headers. Not thread-safe. */
    public static final class Builder {
        private TreeMap<String, List<String>> values = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);

        private Builder() {
        }

        /**
         * Adds a value for {@code name} after any already added.
         *
         * @param name  the header name; names that differ only in case are one header
         * @param value the value to add
         * @return this builder
         * @throws NullPointerException if an argument is null
         */
        public Builder add(String name, String value) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            values.computeIfAbsent(name, n -> new ArrayList<>(1)).add(value);
            return this;
        }

        /** {@return the headers added so far} */
        public Headers build() {
            TreeMap<String, List<String>> frozen = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            values.forEach((name, list) -> frozen.put(name, List.copyOf(list)));
            return new Headers(frozen);
        }
    }
}
