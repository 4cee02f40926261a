package ai.refold.webhooks.spring.autoconfigure;

import org.springframework.context.annotation.Conditional;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Matches when a {@code refold.webhooks.*} switch has a value, as {@code @ConditionalOnProperty} does, but reads the
 * value as the properties class binds it: with the blanks around it removed, and {@code on}, {@code yes} and
 * {@code 1} ({@code off}, {@code no}, {@code 0}) as {@code true} ({@code false}). A {@code .properties} file keeps a
 * trailing blank, and Spring binds {@code true } and {@code yes} as true; {@code @ConditionalOnProperty} would read
 * them as not {@code true}, and the beans of the mode the properties select would be missing.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@Documented
@Conditional(RefoldSettingCondition.class)
@interface ConditionalOnRefoldSetting {

    /** {@return the property's whole name, for example {@code refold.webhooks.inbox.enabled}} */
    String name();

    /** {@return the value to match, ignoring case; empty to match any value but {@code false}} */
    String havingValue() default "";

    /**
     * {@return a property read in place of {@link #name()} when that is not set, as Spring Boot reads
     * {@code management.health.defaults.enabled} for a health indicator's own switch; empty for none}
     */
    String fallback() default "";

    /** {@return whether the condition matches when neither the property nor its fallback is set} */
    boolean matchIfMissing() default false;
}
