package ai.refold.webhooks.servlet;

import ai.refold.webhooks.DeliveryResult;
import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.WebhookEvent;
import ai.refold.webhooks.idempotency.InMemoryInboxStore;

import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static ai.refold.webhooks.servlet.Deliveries.SIGNED;
import static ai.refold.webhooks.servlet.Deliveries.workflowCompleted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WebXmlConfigurationTest {

    static final String LIVE_KEY = "live-key-value-never-shown";
    static final String TEST_KEY = Deliveries.API_KEY;
    static final Map<String, String> ENVIRONMENT = Map.of(
            "REFOLD_LIVE_API_KEY", LIVE_KEY,
            "REFOLD_TEST_API_KEY", TEST_KEY,
            "PADDED_VARIABLE", TEST_KEY + "\n",
            "PLACEHOLDER_VARIABLE", "${REFOLD_TEST_API_KEY}",
            "BLANK_VARIABLE", "   ");

    @BeforeEach
    void forgetHandledEvents() {
        RecordingConfigurer.HANDLED.clear();
    }

    @Test
    void keysAreReadFromTheNamedEnvironmentVariables() throws ServletException {
        RefoldWebhookFilter filter = initialised(Map.of(
                "signing-keys", "live=REFOLD_LIVE_API_KEY, test=REFOLD_TEST_API_KEY",
                "configurer", RecordingConfigurer.class.getName()));

        assertThat(filter.path()).isEqualTo("/webhooks/refold");
        assertThat(filter.mode()).isEqualTo(RefoldWebhookFilter.Mode.ENDPOINT);
        assertThat(filter.toString()).contains("live", "test").doesNotContain(LIVE_KEY, TEST_KEY);
        WebhookReceiver receiver = WebXmlConfiguration.read(Map.of(
                "signing-keys", "live=REFOLD_LIVE_API_KEY, test=REFOLD_TEST_API_KEY",
                "configurer", RecordingConfigurer.class.getName())::get, ENVIRONMENT::get).receiver();
        byte[] body = workflowCompleted("inst-env");
        DeliveryResult result = receiver.receive(SIGNED.of(body));
        assertThat(result.status()).isEqualTo(200);
        assertThat(result.keyLabel()).hasValue("test");
    }

    @Test
    void pathModeAndBodyLimitComeFromInitParameters() throws ServletException {
        WebXmlConfiguration settings = WebXmlConfiguration.read(Map.of(
                "signing-keys", "test=REFOLD_TEST_API_KEY",
                "path", " /hooks/refold ",
                "mode", "Forward",
                "max-body-bytes", "2048")::get, ENVIRONMENT::get);

        assertThat(settings.path()).isEqualTo("/hooks/refold");
        assertThat(settings.mode()).isEqualTo(RefoldWebhookFilter.Mode.FORWARD);
        assertThat(settings.receiver().maxBodyBytes()).isEqualTo(2048);
    }

    @Test
    void unsetEnvironmentVariableFailsInitNamingTheEntryAndLabelButNotTheValue() {
        assertThatThrownBy(() -> initialised(Map.of("signing-keys", "live=REFOLD_LIVE_API_KEY,test=REFOLD_PROD_KEY")))
                .isInstanceOf(ServletException.class)
                .hasMessageContaining("entry 2 of 'signing-keys' for signing key 'test' is not set")
                .hasMessageContaining("looks like an unresolved environment variable name")
                .hasMessageContaining("refold-filter")
                .hasMessageNotContaining("REFOLD_PROD_KEY")
                .hasMessageNotContaining(LIVE_KEY);
    }

    @Test
    void aKeyPastedWhereTheVariableNameBelongsIsNotEchoed() {
        String pasted = "rk_live_5d1e9b3a7c2f4e8d";

        assertThatThrownBy(() -> initialised(Map.of("signing-keys", "live=" + pasted)))
                .isInstanceOf(ServletException.class)
                .hasMessageContaining("entry 1 of 'signing-keys'")
                .hasMessageContaining("does not look like an environment variable name")
                .hasMessageNotContaining(pasted);
    }

    @Test
    void blankEnvironmentVariableCountsAsUnset() {
        assertThatThrownBy(() -> initialised(Map.of("signing-keys", "test=BLANK_VARIABLE")))
                .isInstanceOf(ServletException.class)
                .hasMessageContaining("entry 1 of 'signing-keys' for signing key 'test' is blank");
    }

    @Test
    void aKeyWithAPastedNewlineOrAnUnresolvedPlaceholderFailsInitNamingTheEntryButNotTheKey() {
        assertThatThrownBy(() -> initialised(Map.of("signing-keys", "test=PADDED_VARIABLE")))
                .isInstanceOf(ServletException.class)
                .hasMessageContaining("the environment variable named in entry 1 of 'signing-keys' for signing key"
                        + " 'test' contains white space")
                .hasMessageNotContaining(TEST_KEY);
        assertThatThrownBy(() -> initialised(Map.of("signing-keys", "test=PLACEHOLDER_VARIABLE")))
                .isInstanceOf(ServletException.class)
                .hasMessageContaining("the environment variable named in entry 1 of 'signing-keys' for signing key"
                        + " 'test' is an unresolved ${...} placeholder");
    }

    @Test
    void missingSigningKeysFailInit() {
        assertThatThrownBy(() -> initialised(Map.of("path", "/webhooks/refold")))
                .isInstanceOf(ServletException.class)
                .hasMessageContaining("'signing-keys' is required");
    }

    @Test
    void malformedSigningKeyEntryFailsInitWithoutEchoingIt() {
        // A key pasted where the variable's name belongs must not end up in the log.
        assertThatThrownBy(() -> initialised(Map.of("signing-keys", "test=REFOLD_TEST_API_KEY," + LIVE_KEY)))
                .isInstanceOf(ServletException.class)
                .hasMessageContaining("entry 2 of 'signing-keys'")
                .hasMessageNotContaining(LIVE_KEY);
    }

    @Test
    void badModeFailsInit() {
        assertThatThrownBy(() -> initialised(Map.of("signing-keys", "test=REFOLD_TEST_API_KEY", "mode", "proxy")))
                .isInstanceOf(ServletException.class)
                .hasMessageContaining("'mode' must be endpoint or forward, not 'proxy'");
    }

    @Test
    void pathNotStartingWithSlashFailsInit() {
        assertThatThrownBy(() -> initialised(Map.of("signing-keys", "test=REFOLD_TEST_API_KEY",
                "path", "webhooks/refold")))
                .isInstanceOf(ServletException.class)
                .hasMessageContaining("path must start with '/'");
    }

    @Test
    void nonNumericOrNonPositiveBodyLimitFailsInit() {
        assertThatThrownBy(() -> initialised(Map.of("signing-keys", "test=REFOLD_TEST_API_KEY",
                "max-body-bytes", "1MB")))
                .isInstanceOf(ServletException.class)
                .hasMessageContaining("'max-body-bytes' must be a whole number of bytes, not '1MB'");
        assertThatThrownBy(() -> initialised(Map.of("signing-keys", "test=REFOLD_TEST_API_KEY",
                "max-body-bytes", "0")))
                .isInstanceOf(ServletException.class)
                .hasMessageContaining("maxBodyBytes must be positive");
        assertThatThrownBy(() -> initialised(Map.of("signing-keys", "test=REFOLD_TEST_API_KEY",
                "max-body-bytes", "99999999999")))
                .isInstanceOf(ServletException.class)
                .hasMessageContaining("'max-body-bytes'");
    }

    @Test
    void configurerClassRegistersHandlers() throws ServletException {
        WebhookReceiver receiver = WebXmlConfiguration.read(Map.of(
                "signing-keys", "test=REFOLD_TEST_API_KEY",
                "configurer", " " + RecordingConfigurer.class.getName() + " ")::get, ENVIRONMENT::get).receiver();
        byte[] body = workflowCompleted("inst-configurer");

        DeliveryResult result = receiver.receive(SIGNED.of(body));

        assertThat(result.status()).isEqualTo(200);
        assertThat(RecordingConfigurer.HANDLED).singleElement()
                .satisfies(event -> assertThat(event.payload().toByteArray()).isEqualTo(body));
    }

    @Test
    void unusableConfigurerClassFailsInit() {
        Map<String, String> cases = Map.of(
                "com.example.Missing", "was not found",
                String.class.getName(), "does not implement",
                NoDefaultConstructor.class.getName(), "needs a public constructor without arguments",
                FailingConfigurer.class.getName(), "failed to construct");
        cases.forEach((className, problem) -> assertThatThrownBy(() -> initialised(Map.of(
                "signing-keys", "test=REFOLD_TEST_API_KEY", "configurer", className)))
                .isInstanceOf(ServletException.class)
                .hasMessageContaining(className)
                .hasMessageContaining(problem));
    }

    @Test
    void filterMadeByTheBuilderIgnoresInitParameters() throws ServletException {
        RefoldWebhookFilter filter = RefoldWebhookFilter.builder(
                WebhookReceiver.builder().signingKey("test", TEST_KEY).allowNoHandlers().build()).path("/in/code")
                .build();

        filter.init(config(Map.of("signing-keys", "test=UNSET", "path", "/from/web-xml")));

        assertThat(filter.path()).isEqualTo("/in/code");
    }

    @Test
    void readDeadlineAndBodyBudgetAreInitParameters() {
        WebhookReceiver receiver = WebXmlConfiguration.read(Map.of("signing-keys", "test=REFOLD_TEST_API_KEY",
                "configurer", RecordingConfigurer.class.getName(), "read-deadline-millis", "2500",
                "body-budget-bytes", "4194304")::get, ENVIRONMENT::get).receiver();

        assertThat(receiver.toString()).contains("readDeadline=PT2.5S", "bodyBudget=4194304");
    }

    @Test
    void aNonNumericOrNonPositiveDeadlineOrBudgetFailsInit() {
        assertThatThrownBy(() -> initialised(Map.of("signing-keys", "test=REFOLD_TEST_API_KEY",
                "allow-no-handlers", "true", "read-deadline-millis", "10s")))
                .isInstanceOf(ServletException.class)
                .hasMessageContaining("'read-deadline-millis' must be a whole number of milliseconds, not '10s'");
        assertThatThrownBy(() -> initialised(Map.of("signing-keys", "test=REFOLD_TEST_API_KEY",
                "allow-no-handlers", "true", "body-budget-bytes", "0")))
                .isInstanceOf(ServletException.class).hasMessageContaining("bodyBudget must be positive");
    }

    @Test
    void anEndpointWithoutHandlersFailsInitNamingTheTwoWaysOut() {
        assertThatThrownBy(() -> initialised(Map.of("signing-keys", "test=REFOLD_TEST_API_KEY")))
                .isInstanceOf(ServletException.class)
                .hasMessageContaining("no handler is registered")
                .hasMessageContaining("'configurer'").hasMessageContaining("'allow-no-handlers'");
    }

    @Test
    void forwardModeOrAllowNoHandlersStartsWithoutHandlers() throws ServletException {
        RefoldWebhookFilter forward = initialised(Map.of("signing-keys", "test=REFOLD_TEST_API_KEY",
                "mode", "forward"));
        WebhookReceiver allowed = WebXmlConfiguration.read(Map.of("signing-keys", "test=REFOLD_TEST_API_KEY",
                "allow-no-handlers", "true")::get, ENVIRONMENT::get).receiver();

        assertThat(forward.mode()).isEqualTo(RefoldWebhookFilter.Mode.FORWARD);
        assertThat(allowed.receive(SIGNED.of(workflowCompleted("inst-no-handler"))).outcome().code())
                .isEqualTo("ignored");
    }

    @Test
    void forwardModeWithAConfigurerThatRegistersHandlersFailsInit() {
        assertThatThrownBy(() -> initialised(Map.of("signing-keys", "test=REFOLD_TEST_API_KEY",
                "mode", "forward", "configurer", RecordingConfigurer.class.getName())))
                .isInstanceOf(ServletException.class)
                .hasMessageContaining("refold-filter")
                .hasMessageContaining("forward mode hands each event to the servlet behind the filter")
                .hasMessageContaining("must have no handlers and no inbox")
                .hasMessageContaining("'configurer'").hasMessageContaining("'mode'");
    }

    @Test
    void destroyingAFilterDeclaredInWebXmlClosesTheReceiverItBuiltAndStopsItsThreads() throws Exception {
        Set<Thread> before = inboxThreads();
        RefoldWebhookFilter filter = initialised(Map.of("signing-keys", "test=REFOLD_TEST_API_KEY",
                "configurer", InboxConfigurer.class.getName()));
        Set<Thread> started = inboxThreads();
        started.removeAll(before);
        assertThat(started).as("the inbox's workers").isNotEmpty();

        // The container destroys the filter when the application is undeployed or redeployed: threads left running
        // would keep the application's class loader, and the receiver's inbox with it.
        filter.destroy();

        for (Thread thread : started) {
            thread.join(10_000);
        }
        assertThat(started).noneMatch(Thread::isAlive);
    }

    private static Set<Thread> inboxThreads() {
        Set<Thread> threads = new HashSet<>(Thread.getAllStackTraces().keySet());
        threads.removeIf(thread -> !thread.getName().startsWith("refold-webhook-inbox"));
        return threads;
    }

    static RefoldWebhookFilter initialised(Map<String, String> parameters) throws ServletException {
        RefoldWebhookFilter filter = new RefoldWebhookFilter(ENVIRONMENT::get);
        filter.init(config(parameters));
        return filter;
    }

    static FilterConfig config(Map<String, String> parameters) {
        Map<String, String> copy = new HashMap<>(parameters);
        return new FilterConfig() {
            @Override
            public String getFilterName() {
                return "refold-filter";
            }

            @Override
            public ServletContext getServletContext() {
                throw new UnsupportedOperationException("not needed by the filter");
            }

            @Override
            public String getInitParameter(String name) {
                return copy.get(name);
            }

            @Override
            public Enumeration<String> getInitParameterNames() {
                return Collections.enumeration(copy.keySet());
            }
        };
    }

    /** A configurer as a web.xml user writes one: public, with a public no-argument constructor. */
    public static final class RecordingConfigurer implements RefoldWebhookConfigurer {
        static final List<WebhookEvent> HANDLED = new CopyOnWriteArrayList<>();

        @Override
        public void configure(WebhookReceiver.Builder receiver) {
            receiver.onAny((event, context) -> HANDLED.add(event));
        }
    }

    /** A configurer that runs the handlers from an inbox in memory, on threads the receiver starts. */
    public static final class InboxConfigurer implements RefoldWebhookConfigurer {
        @Override
        public void configure(WebhookReceiver.Builder receiver) {
            receiver.onAny((event, context) -> { }).inbox(InMemoryInboxStore.builder().build());
        }
    }

    public static final class NoDefaultConstructor implements RefoldWebhookConfigurer {
        public NoDefaultConstructor(String unused) {
        }

        @Override
        public void configure(WebhookReceiver.Builder receiver) {
        }
    }

    public static final class FailingConfigurer implements RefoldWebhookConfigurer {
        public FailingConfigurer() {
            throw new IllegalStateException("cannot start");
        }

        @Override
        public void configure(WebhookReceiver.Builder receiver) {
        }
    }
}
