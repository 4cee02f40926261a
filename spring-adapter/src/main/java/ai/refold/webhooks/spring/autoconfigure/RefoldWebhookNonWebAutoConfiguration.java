package ai.refold.webhooks.spring.autoconfigure;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnNotWebApplication;
import org.springframework.context.annotation.Bean;

/**
 * The starter in an application that is not a web application (neither Spring MVC on a servlet container nor Spring
 * WebFlux on the classpath, or {@code spring.main.web-application-type=none}): no receiver and no endpoint, and a
 * WARN at startup that says so. A warning rather than a failure, since such an application may use the SDK's types
 * alone (a tool that signs or parses events, a worker sharing the web application's configuration); a web
 * application that cannot receive is told the same way.
 */
@AutoConfiguration
@ConditionalOnNotWebApplication
@ConditionalOnRefoldSetting(name = "refold.webhooks.enabled", matchIfMissing = true)
public class RefoldWebhookNonWebAutoConfiguration {

    /** Created by Spring Boot when it applies the auto-configuration; applications do not call it. */
    public RefoldWebhookNonWebAutoConfiguration() {
    }

    @Bean
    static NoEndpointWarning refoldWebhookNotWebApplication() {
        return new NoEndpointWarning("this is not a web application (neither Spring MVC on a servlet container nor"
                + " Spring WebFlux is on the classpath, or spring.main.web-application-type=none)", "add"
                + " spring-boot-starter-web or spring-boot-starter-webflux");
    }
}
