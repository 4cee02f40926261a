package ai.refold.webhooks.servlet;

import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.signature.SigningKey;

import java.lang.reflect.InvocationTargetException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.function.UnaryOperator;

/**
 * Reads the filter's {@code web.xml} init-parameters:
 * <table>
 *   <caption>init-parameters</caption>
 *   <tr><th>name</th><th>meaning</th><th>default</th></tr>
 *   <tr><td>{@code signing-keys}</td><td>required: {@code label=ENV_VAR} pairs separated by commas, for example
 *       {@code live=REFOLD_LIVE_API_KEY,test=REFOLD_TEST_API_KEY}; each key is read from the named environment
 *       variable</td><td></td></tr>
 *   <tr><td>{@code path}</td><td>path within the application to answer on</td><td>{@code /webhooks/refold}</td></tr>
 *   <tr><td>{@code mode}</td><td>{@code endpoint} or {@code forward}</td><td>{@code endpoint}</td></tr>
 *   <tr><td>{@code max-body-bytes}</td><td>largest body accepted</td><td>1048576</td></tr>
 *   <tr><td>{@code read-deadline-millis}</td><td>how long a body may take to arrive; later is answered 408</td>
 *       <td>10000</td></tr>
 *   <tr><td>{@code body-budget-bytes}</td><td>body bytes held at once across deliveries; past it 503</td>
 *       <td>67108864</td></tr>
 *   <tr><td>{@code allow-no-handlers}</td><td>{@code true} to run without handlers (forward mode implies it, and
 *       refuses a {@code configurer} that registers handlers: the servlet behind the filter is the handler)</td>
 *       <td>{@code false}</td></tr>
 *   <tr><td>{@code configurer}</td><td>class name of a {@link RefoldWebhookConfigurer} with a public no-argument
 *       constructor, which registers handlers and sets the store</td><td>none</td></tr>
 * </table>
 */
record WebXmlConfiguration(WebhookReceiver receiver, String path, RefoldWebhookFilter.Mode mode) {

    // Only chooses the wording of an unset variable's message; the value itself is never shown.
    private static final Pattern CONVENTIONAL_VARIABLE = Pattern.compile("[A-Z_][A-Z0-9_]{0,63}");

    static WebXmlConfiguration read(UnaryOperator<String> parameters, UnaryOperator<String> environment) {
        WebhookReceiver.Builder builder = WebhookReceiver.builder();
        String keys = parameters.apply("signing-keys");
        if (keys == null || keys.isBlank()) {
            throw new IllegalArgumentException("init-parameter 'signing-keys' is required, for example "
                    + "live=REFOLD_LIVE_API_KEY,test=REFOLD_TEST_API_KEY");
        }
        String[] pairs = keys.split(",");
        for (int i = 0; i < pairs.length; i++) {
            String pair = pairs[i];
            int equals = pair.indexOf('=');
            if (equals <= 0 || equals == pair.length() - 1) {
                // The entry is not echoed: a malformed entry is often an API key pasted where a name belongs.
                throw new IllegalArgumentException("entry " + (i + 1) + " of 'signing-keys' is not label=ENV_VAR,"
                        + " for example live=REFOLD_LIVE_API_KEY");
            }
            String label = pair.substring(0, equals).trim();
            String variable = pair.substring(equals + 1).trim();
            String apiKey = environment.apply(variable);
            // The value is never shown: a key pasted where the name belongs can have a variable name's shape too.
            String named = "the environment variable named in entry " + (i + 1) + " of 'signing-keys' for signing"
                    + " key '" + label + "'";
            if (apiKey == null) {
                String shape = CONVENTIONAL_VARIABLE.matcher(variable).matches()
                        ? "the value looks like an unresolved environment variable name: set that variable"
                        : "the value does not look like an environment variable name";
                throw new IllegalArgumentException(named + " is not set; " + shape + " (the value is not shown, in"
                        + " case it is an API key pasted where the name belongs)");
            }
            builder.signingKey(SigningKey.of(label, apiKey, named));
        }
        Long maxBody = number(parameters, "max-body-bytes", "bytes");
        if (maxBody != null) {
            if (maxBody > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("'max-body-bytes' must be at most " + Integer.MAX_VALUE);
            }
            builder.maxBodyBytes(maxBody.intValue());
        }
        Long deadline = number(parameters, "read-deadline-millis", "milliseconds");
        if (deadline != null) {
            builder.readDeadline(Duration.ofMillis(deadline));
        }
        Long budget = number(parameters, "body-budget-bytes", "bytes");
        if (budget != null) {
            builder.bodyBudget(budget);
        }
        String path = parameters.apply("path");
        String modeName = parameters.apply("mode");
        RefoldWebhookFilter.Mode mode = modeName == null || modeName.isBlank() ? RefoldWebhookFilter.Mode.ENDPOINT
                : mode(modeName.trim());
        String allowNoHandlers = parameters.apply("allow-no-handlers");
        // In forward mode the application's servlet handles every admitted delivery: it is the handler.
        if (mode == RefoldWebhookFilter.Mode.FORWARD || allowNoHandlers != null
                && Boolean.parseBoolean(allowNoHandlers.trim())) {
            builder.allowNoHandlers();
        }
        String checkedPath = path == null || path.isBlank() ? RefoldWebhookFilter.DEFAULT_PATH : checkPath(path.trim());
        String configurer = parameters.apply("configurer");
        if (configurer != null && !configurer.isBlank()) {
            instantiate(configurer.trim()).configure(builder);
        }
        WebhookReceiver receiver;
        try {
            receiver = builder.build();
        } catch (IllegalStateException e) {
            if (builder.hasHandlers()) {
                throw e;
            }
            // Core refused a receiver without handlers; say how to register them in web.xml's own terms.
            throw new IllegalStateException("no handler is registered: name a RefoldWebhookConfigurer that"
                    + " registers them in init-parameter 'configurer', or set 'allow-no-handlers' to true if the"
                    + " receiver is meant to have none", e);
        }
        try {
            RefoldWebhookFilter.requireForwardable(mode, receiver, "remove the handlers and the inbox the"
                    + " 'configurer' sets up, or set 'mode' to endpoint to run them");
        } catch (IllegalStateException e) {
            receiver.close(); // its inbox workers, if it has any
            throw e;
        }
        return new WebXmlConfiguration(receiver, checkedPath, mode);
    }

    // A whole number from an init-parameter, or null if it is not set; the builder checks its range.
    private static Long number(UnaryOperator<String> parameters, String name, String unit) {
        String value = parameters.apply(name);
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + name + "' must be a whole number of " + unit + ", not '"
                    + value.trim() + "'");
        }
    }

    static String checkPath(String path) {
        Objects.requireNonNull(path, "path");
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("path must start with '/', not '" + path + "'");
        }
        return path;
    }

    private static RefoldWebhookFilter.Mode mode(String value) {
        try {
            return RefoldWebhookFilter.Mode.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'mode' must be endpoint or forward, not '" + value + "'");
        }
    }

    private static RefoldWebhookConfigurer instantiate(String className) {
        try {
            Class<?> type = Class.forName(className, true, Thread.currentThread().getContextClassLoader());
            if (!RefoldWebhookConfigurer.class.isAssignableFrom(type)) {
                throw new IllegalArgumentException("'configurer' class " + className + " does not implement "
                        + RefoldWebhookConfigurer.class.getName());
            }
            return (RefoldWebhookConfigurer) type.getDeclaredConstructor().newInstance();
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("'configurer' class " + className + " was not found");
        } catch (NoSuchMethodException | InstantiationException | IllegalAccessException e) {
            throw new IllegalArgumentException("'configurer' class " + className
                    + " needs a public constructor without arguments");
        } catch (InvocationTargetException e) {
            throw new IllegalArgumentException("'configurer' class " + className + " failed to construct: "
                    + e.getCause());
        }
    }
}
