package ai.refold.webhooks.spring.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Explains a receiver without handlers: most often the class of the @RefoldWebhook methods is not a bean. */
class NoRefoldWebhookHandlerFailureAnalyzer extends AbstractFailureAnalyzer<NoRefoldWebhookHandlerException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, NoRefoldWebhookHandlerException cause) {
        return new FailureAnalysis(
                "The Refold webhook receiver has no handler: no bean has a @RefoldWebhook method. Every verified"
                        + " delivery would be acknowledged with 200 and its event lost, since Refold does not retry"
                        + " an acknowledged delivery.",
                "Make the class with your @RefoldWebhook methods a bean. Annotate it with @Component (or declare it"
                        + " with @Bean) and keep it in the package of your @SpringBootApplication class or below it,"
                        + " where component scanning finds it; a class elsewhere needs @ComponentScan or @Import.\n"
                        + "If the application is meant to receive deliveries without handling them, set"
                        + " refold.webhooks.allow-no-handlers=true.",
                cause);
    }
}
