package ai.refold.webhooks.cli;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The words of one command after its name: positional values, options ({@code --name value} or
 * {@code --name=value}) and flags ({@code --name}). Each command states what it takes in a {@link Syntax}, so that
 * anything else is refused with a message naming the option, or the position of a value: a value is never shown,
 * since it may be a key typed where it does not belong.
 */
final class Arguments {

    // What the tool's command and option names look like (no digits, no underscore); a word of another shape is
    // never shown, since it may be a key typed in the wrong place (a key can start with a dash too).
    private static final Pattern NAME = Pattern.compile("(--?)?[a-z]+(-[a-z]+)*");

    /**
     * What a command accepts.
     *
     * @param command        the command's words, for messages, for example {@code "dead-letters replay"}
     * @param options        the options that take a value
     * @param flags          the options that take none
     * @param maxPositionals how many positional values it takes at most
     */
    record Syntax(String command, Set<String> options, Set<String> flags, int maxPositionals) {

        Syntax {
            options = Set.copyOf(options);
            flags = Set.copyOf(flags);
        }
    }

    private final Syntax syntax;
    private final List<String> positionals;
    private final Map<String, String> options;
    private final Set<String> flags;

    private Arguments(Syntax syntax, List<String> positionals, Map<String, String> options, Set<String> flags) {
        this.syntax = syntax;
        this.positionals = List.copyOf(positionals);
        this.options = Map.copyOf(options);
        this.flags = Set.copyOf(flags);
    }

    /**
     * Splits {@code words} as {@code syntax} says.
     *
     * @throws UsageException for an unknown option, a missing value, an option given twice or a positional value
     *                        too many (named by its position, never its value)
     */
    static Arguments parse(List<String> words, Syntax syntax) {
        List<String> positionals = new ArrayList<>();
        Map<String, String> options = new LinkedHashMap<>();
        Set<String> flags = new HashSet<>();
        for (int i = 0; i < words.size(); i++) {
            String word = words.get(i);
            if (!word.startsWith("-") || word.equals("-")) {
                if (positionals.size() == syntax.maxPositionals()) {
                    throw new UsageException("unexpected argument at position " + (i + 1) + " after "
                            + syntax.command() + " (not shown, in case it is a key)" + keyHint(syntax));
                }
                positionals.add(word);
                continue;
            }
            int equals = word.indexOf('=');
            String name = word.substring(word.startsWith("--") ? 2 : 1, equals < 0 ? word.length() : equals);
            if (syntax.flags().contains(name) && word.startsWith("--")) {
                if (equals >= 0) {
                    throw new UsageException("--" + name + " takes no value");
                }
                flags.add(name);
            } else if (syntax.options().contains(name) && word.startsWith("--")) {
                String value;
                if (equals >= 0) {
                    value = word.substring(equals + 1);
                } else if (i + 1 < words.size() && !words.get(i + 1).startsWith("--")) {
                    value = words.get(++i);
                } else {
                    throw new UsageException("--" + name + " needs a value");
                }
                if (options.putIfAbsent(name, value) != null) {
                    throw new UsageException("--" + name + " is given twice");
                }
            } else {
                String option = equals < 0 ? word : word.substring(0, equals);
                throw new UsageException(isNameShaped(option)
                        ? "unknown option " + option + " for " + syntax.command()
                        : "unknown option at position " + (i + 1) + " after " + syntax.command()
                                + " (not shown, in case it is a key)" + keyHint(syntax));
            }
        }
        return new Arguments(syntax, positionals, options, flags);
    }

    /** Whether {@code word} has the shape of a command or option name, and so may be shown in a message. */
    static boolean isNameShaped(String word) {
        return word.length() <= 32 && NAME.matcher(word).matches();
    }

    // Where the key goes instead, for the commands that take one: older usage text showed it as a positional.
    private static String keyHint(Syntax syntax) {
        return syntax.options().contains("key-env") ? "; the API key is read from the environment variable "
                + Inputs.KEY_VARIABLE + ", or the one --key-env names" : "";
    }

    /** Returns the value of an option, if given. */
    Optional<String> value(String name) {
        return Optional.ofNullable(options.get(name));
    }

    /**
     * Returns the value of an option that must be given.
     *
     * @throws UsageException if it is missing or blank
     */
    String required(String name) {
        String value = options.get(name);
        if (value == null || value.isBlank()) {
            throw new UsageException(syntax.command() + " needs --" + name);
        }
        return value;
    }

    boolean has(String name) {
        return options.containsKey(name) || flags.contains(name);
    }

    Optional<String> positional(int index) {
        return index < positionals.size() ? Optional.of(positionals.get(index)) : Optional.empty();
    }

    String command() {
        return syntax.command();
    }
}
