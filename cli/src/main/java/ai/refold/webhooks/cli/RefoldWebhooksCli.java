package ai.refold.webhooks.cli;

import java.io.PrintStream;
import java.util.List;
import java.util.function.Function;
import java.util.logging.LogManager;

/**
 * {@code refold-webhooks-cli}: plays Refold against a receiver ({@code send}, {@code sign}), registers a webhook with
 * Refold's Create Webhook API ({@code register}) and lists, shows, replays and discards the dead letters of a
 * receiver's durable inbox ({@code dead-letters}). Run {@code java -jar refold-webhooks-cli.jar --help}.
 *
 * <p>Exit status: 0 when the command did its work, 1 when it failed at run time (a delivery answered other than 200,
 * a connection refused, a timeout, a database that cannot be reached), 2 for a wrong command line. Every failure is
 * one line on standard error; no stack trace, API key or password is ever printed, and a URL is printed without its
 * user information and parameters ({@code https://host/path?...}).
 */
public final class RefoldWebhooksCli {

    static final String NAME = "refold-webhooks-cli";
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    static final String USAGE_TEXT = """
            usage: refold-webhooks-cli COMMAND [OPTIONS]

            Plays Refold against a receiver, registers webhooks with Refold, and manages a durable inbox's dead letters.

              send --url URL (--sample NAME | --file PATH) [--key-env VARIABLE] [--method POST|PUT|PATCH]
                   [--header NAME] [--prefix TEXT] [--timeout SECONDS (30)]
                  signs the body as Refold does and sends it; prints the answer; exit 0 if it was 200
              sign (--sample NAME | --file PATH) [--key-env VARIABLE] [--prefix TEXT]
                  prints the body's x-cobalt-signature value
              register --url WEBHOOK_URL --events "Workflow Errored,Connection Expired" [--key-env VARIABLE]
                       [--type default|slack|custom] [--method POST|PUT|PATCH] [--slug APP] [--workflow-ids ID,ID]
                       [--body-template TEXT] [--base-uri https://app.refold.ai]
                  creates a webhook with Refold's Create Webhook API, in the environment of the key
              dead-letters list DATABASE [SELECTION]          the dead letters, oldest first
              dead-letters show KEY DATABASE [--show-header-values]
                  one inbox entry: state, failure, header names and body; --show-header-values prints the headers'
                  values too, which may hold credentials (a subscription's custom headers)
              dead-letters replay (KEY | SELECTION | --all) DATABASE
                  makes them pending and due now: a running receiver's workers run the handlers not yet done
              dead-letters discard (KEY | SELECTION | --all) DATABASE
                  deletes them
              help, --help                                    this text
              version, --version                              the tool's version

            API key    read from the environment variable %s, or the one --key-env names; --key API_KEY works
                       too, with a warning: a key on the command line shows in the process list and shell history
            KEY        an inbox entry's key, as dead-letters list prints it
            samples    %s
            DATABASE   --jdbc-url URL (jdbc:postgresql:... or jdbc:h2:...) [--user NAME] [--password-env VARIABLE]
                       [--table NAME]; the password is read from the environment variable --password-env names
            SELECTION  [--event-type "Workflow Errored"] [--from TIME] [--until TIME] [--limit N (100)]
                       TIME is 2026-06-16T12:00:00Z, 2026-06-16T14:00:00+02:00 or 2026-06-16 (midnight UTC);
                       --from is inclusive, --until exclusive

            exit status: 0 done; 1 failed (an answer other than 200, a connection or database failure); 2 usage error
            """.formatted(Inputs.KEY_VARIABLE, Inputs.sampleNames());

    private RefoldWebhooksCli() {
    }

    /**
     * Runs the command line in {@code args} and exits with its status: 0 done, 1 failed, 2 usage error. Prints
     * {@code help} for the commands.
     *
     * @param args the command and its options
     */
    public static void main(String[] args) {
        // The JDBC drivers log through java.util.logging; the tool prints only its own lines.
        LogManager.getLogManager().reset();
        int status;
        try {
            status = run(args, System::getenv, System.out, System.err);
        } catch (Throwable e) { // an error of the JVM itself: still one line, never a stack trace
            System.err.println(NAME + ": failed: " + e.getClass().getName());
            status = FAILED;
        }
        System.out.flush();
        System.exit(status);
    }

    /** Runs one command line and returns the exit status; {@code environment} reads environment variables. */
    static int run(String[] args, Function<String, String> environment, PrintStream out, PrintStream err) {
        Output output = new Output(out, err);
        List<String> words = List.of(args);
        try {
            if (words.isEmpty()) {
                throw new UsageException("no command given");
            }
            String command = words.get(0);
            if (command.equals("help") || words.contains("--help") || words.contains("-h")) {
                output.text(USAGE_TEXT);
                return OK;
            }
            if (command.equals("version") || command.equals("--version")) {
                output.line(NAME + " " + version());
                return OK;
            }
            List<String> rest = words.subList(1, words.size());
            return switch (command) {
                case "send" -> Deliveries.send(Arguments.parse(rest, Deliveries.SEND), environment, output);
                case "sign" -> Deliveries.sign(Arguments.parse(rest, Deliveries.SIGN), environment, output);
                case "register" -> Registration.register(Arguments.parse(rest, Registration.REGISTER), environment,
                        output);
                case "dead-letters" -> DeadLetters.run(rest, environment, output);
                default -> throw new UsageException(!Arguments.isNameShaped(command)
                        ? "the first argument is not a command (not shown, in case it is a key)"
                        : command.startsWith("-") ? "unknown option " + command : "unknown command '" + command + "'");
            };
        } catch (UsageException e) {
            output.error(e.getMessage() + "; try --help");
            return USAGE;
        } catch (CommandFailure e) {
            output.error(e.getMessage());
            return FAILED;
        } catch (RuntimeException e) { // a failure no command foresaw: named, in one line
            output.error("failed: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()));
            return FAILED;
        }
    }

    private static String version() {
        String version = RefoldWebhooksCli.class.getPackage().getImplementationVersion();
        return version != null ? version : "(development build)";
    }
}
