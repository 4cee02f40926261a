package ai.refold.webhooks.spring.inbox;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.h2.jdbcx.JdbcDataSource;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

import java.util.UUID;

import javax.sql.DataSource;

/**
 * An application in inbox mode on H2, with Actuator and Spring Security as an operator would set them up: the
 * refoldinbox endpoint for the INBOX_ADMIN role only, health open, the Refold filter ahead of Security as always.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
public class InboxApplication {

    public static final String API_KEY = "inbox-app-api-key";
    public static final String OPERATOR = "operator";
    public static final String VIEWER = "viewer";
    public static final String PASSWORD = "operator-password-for-tests";

    @Bean
    InboxHandlers inboxHandlers() {
        return new InboxHandlers();
    }

    @Bean
    InboxAttempts inboxAttempts() {
        return new InboxAttempts();
    }

    @Bean
    MeterRegistry meterRegistry() {
        return new SimpleMeterRegistry();
    }

    @Bean
    DataSource dataSource() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:inbox-app-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        h2.setUser("inbox");
        h2.setPassword("database-password-for-tests");
        return h2;
    }

    @Bean
    InMemoryUserDetailsManager users() {
        return new InMemoryUserDetailsManager(
                User.withUsername(OPERATOR).password("{noop}" + PASSWORD).roles("INBOX_ADMIN").build(),
                User.withUsername(VIEWER).password("{noop}" + PASSWORD).roles("VIEWER").build());
    }

    @Bean
    SecurityFilterChain security(HttpSecurity http) throws Exception {
        http.authorizeHttpRequests(requests -> requests
                        .requestMatchers("/actuator/health", "/actuator/health/**").permitAll()
                        .requestMatchers("/actuator/refoldinbox", "/actuator/refoldinbox/**").hasRole("INBOX_ADMIN")
                        .anyRequest().authenticated())
                // Operators' tools call the write operations with HTTP Basic, not from a browser form.
                .csrf(csrf -> csrf.ignoringRequestMatchers("/actuator/refoldinbox", "/actuator/refoldinbox/**"))
                .httpBasic(Customizer.withDefaults());
        return http.build();
    }
}
