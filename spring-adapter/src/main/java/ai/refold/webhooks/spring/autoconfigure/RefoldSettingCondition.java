package ai.refold.webhooks.spring.autoconfigure;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

import java.util.Map;

/** Evaluates {@link ConditionalOnRefoldSetting}: the property's value, stripped of blanks, against the one named. */
final class RefoldSettingCondition extends SpringBootCondition {

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        Map<String, Object> attributes = metadata.getAnnotationAttributes(ConditionalOnRefoldSetting.class.getName());
        String name = (String) attributes.get("name");
        String expected = (String) attributes.get("havingValue");
        String value = context.getEnvironment().getProperty(name);
        if (value == null) {
            return (Boolean) attributes.get("matchIfMissing") ? ConditionOutcome.match(name + " is not set")
                    : ConditionOutcome.noMatch(name + " is not set");
        }
        String bound = value.strip();
        boolean matches = expected.isEmpty() ? !bound.equalsIgnoreCase("false") : bound.equalsIgnoreCase(expected);
        // The value itself is not repeated in the condition report: it is only ever a switch, but the report is
        // printed in full on a failed startup.
        return matches ? ConditionOutcome.match(name + " matches") : ConditionOutcome.noMatch(name + " does not match");
    }
}
