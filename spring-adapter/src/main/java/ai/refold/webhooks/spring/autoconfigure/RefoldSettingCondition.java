package ai.refold.webhooks.spring.autoconfigure;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.convert.ConversionException;
import org.springframework.core.convert.support.DefaultConversionService;
import org.springframework.core.type.AnnotatedTypeMetadata;

import java.util.Map;

/**
 * Evaluates {@link ConditionalOnRefoldSetting}: the property's value, stripped of blanks and read as a boolean the way
 * Spring binds one when it is a switch, against the one named.
 */
final class RefoldSettingCondition extends SpringBootCondition {

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        Map<String, Object> attributes = metadata.getAnnotationAttributes(ConditionalOnRefoldSetting.class.getName());
        String name = (String) attributes.get("name");
        String expected = (String) attributes.get("havingValue");
        String value = context.getEnvironment().getProperty(name);
        String fallback = (String) attributes.get("fallback");
        if (value == null && !fallback.isEmpty()) {
            name = fallback;
            value = context.getEnvironment().getProperty(fallback);
        }
        if (value == null) {
            return (Boolean) attributes.get("matchIfMissing") ? ConditionOutcome.match(name + " is not set")
                    : ConditionOutcome.noMatch(name + " is not set");
        }
        String bound = value.strip();
        Boolean switched = asBoolean(bound);
        Boolean wanted = expected.isEmpty() ? Boolean.TRUE : asBoolean(expected);
        boolean matches;
        if (switched != null && wanted != null) {
            // A switch binds as Spring converts it: true, on, yes or 1; false, off, no or 0.
            matches = switched.equals(wanted);
        } else {
            matches = expected.isEmpty() ? !bound.equalsIgnoreCase("false") : bound.equalsIgnoreCase(expected);
        }
        // The value itself is not repeated in the condition report: it is only ever a switch, but the report is
        // printed in full on a failed startup.
        return matches ? ConditionOutcome.match(name + " matches") : ConditionOutcome.noMatch(name + " does not match");
    }

    // The boolean Spring binds from text, or null for text that is not one (its binding then fails, naming it).
    private static Boolean asBoolean(String text) {
        try {
            return DefaultConversionService.getSharedInstance().convert(text, Boolean.class);
        } catch (ConversionException e) {
            return null;
        }
    }
}
