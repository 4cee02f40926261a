package ai.refold.webhooks.spring.autoconfigure;

import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.WebhookEvent;
import ai.refold.webhooks.spring.RefoldWebhook;
import ai.refold.webhooks.webflux.RefoldWebhookWebFilter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.Ordered;
import org.springframework.core.env.MapPropertySource;
import org.springframework.web.server.WebFilter;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The starter's wiring in a reactive web application, on Boot 3.5 and 4.1. */
@ExtendWith(OutputCaptureExtension.class)
class ReactiveAutoConfigurationTest {

    private final ReactiveWebApplicationContextRunner runner = new ReactiveWebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RefoldWebhookAutoConfiguration.class,
                    RefoldWebhookNonWebAutoConfiguration.class))
            .withPropertyValues("refold.webhooks.keys.test=reactive-test-api-key-0123",
                    "refold.webhooks.allow-no-handlers=true");

    @Test
    void registersTheWebFilterOnThePathAndAtTheOrderConfiguredAndNoServletFilter() {
        runner.withPropertyValues("refold.webhooks.path=/hooks/refold", "refold.webhooks.filter-order=7")
                .run(context -> {
                    assertThat(context).hasSingleBean(WebhookReceiver.class)
                            .doesNotHaveBean("refoldWebhookFilterRegistration")
                            .doesNotHaveBean(NoEndpointWarning.class);
                    OrderedRefoldWebhookWebFilter filter = context.getBean("refoldWebhookWebFilter",
                            OrderedRefoldWebhookWebFilter.class);
                    assertThat(filter.getOrder()).isEqualTo(7);
                    assertThat(filter.filter().path()).isEqualTo("/hooks/refold");
                    assertThat(filter.toString()).doesNotContain("reactive-test-api-key-0123");
                });
    }

    @Test
    void aPathWithATrailingBlankFailsStartupNamingTheProperty() {
        // Set as a .properties file would: keeping the blank that withPropertyValues trims.
        runner.withInitializer(context -> context.getEnvironment().getPropertySources().addFirst(
                        new MapPropertySource("properties-file", Map.of("refold.webhooks.path", "/webhooks/refold "))))
                .run(context -> {
                    assertThat(context).hasFailed();
                    FailureAnalysis analysis = new RefoldWebhookConfigurationFailureAnalyzer()
                            .analyze(context.getStartupFailure());
                    assertThat(analysis).isNotNull();
                    assertThat(analysis.getDescription()).contains("refold.webhooks.path must start with '/'")
                            .endsWith("'/webhooks/refold '");
                });
    }

    @Test
    void byDefaultTheWebFilterRunsBeforeSpringSecuritysChainAtMinus100() {
        runner.run(context -> assertThat(context.getBean("refoldWebhookWebFilter", Ordered.class).getOrder())
                .isEqualTo(Ordered.HIGHEST_PRECEDENCE + 10).isLessThan(-100));
    }

    @Test
    void backsOffWhenTheApplicationRegistersItsOwnWebFilterUnderTheName() {
        WebFilter own = (exchange, chain) -> Mono.empty();
        runner.withBean("refoldWebhookWebFilter", WebFilter.class, () -> own)
                .run(context -> assertThat(context.getBean("refoldWebhookWebFilter")).isSameAs(own));
    }

    @Test
    void withoutTheWebFluxAdapterTheReceiverIsBuiltAndAWarningSaysWhatIsMissing(CapturedOutput output) {
        runner.withClassLoader(new FilteredClassLoader(RefoldWebhookWebFilter.class))
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(WebhookReceiver.class)
                            .doesNotHaveBean("refoldWebhookWebFilter");
                    assertThat(context.getBean(NoEndpointWarning.class).message())
                            .contains("ai.refold:refold-webhooks-webflux is not on the classpath");
                });
        assertThat(output).contains("refold webhooks: no endpoint receives deliveries, because this is a reactive web"
                + " application and ai.refold:refold-webhooks-webflux is not on the classpath");
    }

    @Test
    void aHandlerMethodReturningAFluxFailsStartupNamingIt() {
        runner.withBean(FluxHandlers.class).run(context -> assertThat(context.getStartupFailure())
                .hasStackTraceContaining("@RefoldWebhook method FluxHandlers.onEvent(WebhookEvent) must return void,"
                        + " or a Mono or CompletionStage"));
    }

    @Test
    void backsOffWhenDisabled() {
        runner.withPropertyValues("refold.webhooks.enabled=false").run(context -> assertThat(context)
                .doesNotHaveBean(WebhookReceiver.class).doesNotHaveBean("refoldWebhookWebFilter")
                .doesNotHaveBean(NoEndpointWarning.class));
    }

    static class FluxHandlers {
        @RefoldWebhook
        Flux<Void> onEvent(WebhookEvent event) {
            return Flux.empty();
        }
    }
}
