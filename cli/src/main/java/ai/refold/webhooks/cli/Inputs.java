package ai.refold.webhooks.cli;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.signature.SigningKey;
import ai.refold.webhooks.test.SamplePayloads;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The inputs several commands share: the API key, a body (a sample or a file) and an HTTP URL. */
final class Inputs {

    /** The environment variable the API key is read from unless {@code --key} or {@code --key-env} says otherwise. */
    static final String KEY_VARIABLE = "REFOLD_API_KEY";

    private static final int MAX_PORT = 65_535;

    private Inputs() {
    }

    /**
     * Returns the API key from the environment variable {@code --key-env} names (by default {@value #KEY_VARIABLE}),
     * or from {@code --key} with a warning on standard error, and registers it as a secret of {@code output}.
     *
     * @throws UsageException if there is none, both options are given, or the key breaks the key policy
     */
    static String apiKey(Arguments arguments, Function<String, String> environment, Output output) {
        Optional<String> given = arguments.value("key");
        if (given.isPresent() && arguments.has("key-env")) {
            throw new UsageException("give --key or --key-env, not both");
        }
        String source;
        String key;
        if (given.isPresent()) {
            source = "--key";
            key = given.get();
        } else {
            String variable = arguments.value("key-env").orElse(KEY_VARIABLE);
            source = "the environment variable " + variable;
            key = environment.apply(variable);
            if (key == null) {
                // The name is not shown: it may be the key itself, typed where the name belongs.
                throw new UsageException(arguments.has("key-env")
                        ? "the environment variable --key-env names is not set (the name is not shown, in case it"
                                + " is a key)"
                        : arguments.command() + " needs the API key in the environment variable " + variable
                                + " (or the one --key-env names)");
            }
        }
        output.secret(key);
        String valid;
        try {
            valid = SigningKey.requireValidApiKey(key, source);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        if (given.isPresent()) {
            output.warning("a key given with --key is visible in the process list and the shell history; put it in"
                    + " the environment variable " + KEY_VARIABLE + " (or the one --key-env names) instead");
        }
        return valid;
    }

    /**
     * Returns the body named by {@code --sample} or read from {@code --file}.
     *
     * @throws UsageException  unless exactly one of the two is given, or if the sample is unknown
     * @throws CommandFailure  if the file cannot be read
     */
    static byte[] body(Arguments arguments) {
        Optional<String> sample = arguments.value("sample");
        Optional<String> file = arguments.value("file");
        if (sample.isPresent() == file.isPresent()) {
            throw new UsageException(arguments.command() + " needs exactly one of --sample and --file");
        }
        if (file.isPresent()) {
            try {
                return Files.readAllBytes(Path.of(file.get()));
            } catch (NoSuchFileException e) {
                throw new CommandFailure("cannot read " + file.get() + ": no such file");
            } catch (IOException | RuntimeException e) {
                throw new CommandFailure("cannot read " + file.get() + ": " + e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : ": " + e.getMessage()));
            }
        }
        for (EventType type : EventType.values()) {
            if (sampleName(type).equals(sample.get())) {
                return SamplePayloads.of(type);
            }
        }
        throw new UsageException("unknown sample '" + sample.get() + "' (samples: " + sampleNames() + ")");
    }

    static String sampleName(EventType type) {
        return type.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static String sampleNames() {
        return Arrays.stream(EventType.values()).map(Inputs::sampleName).collect(Collectors.joining(", "));
    }

    /**
     * Returns the option's value as an absolute http or https URL with a host, and a port from 1 to 65535 if any.
     *
     * @throws UsageException if it is not one
     */
    static URI httpUrl(Arguments arguments, String option, String value) {
        try {
            URI uri = new URI(value);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
                if (uri.getPort() == 0 || uri.getPort() > MAX_PORT) {
                    throw new UsageException("--" + option + " has the port " + uri.getPort() + "; a port is from 1"
                            + " to " + MAX_PORT);
                }
                return uri;
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        throw new UsageException("--" + option + " must be an http:// or https:// URL with a host, not '"
                + Redacted.url(value) + "'");
    }
}
