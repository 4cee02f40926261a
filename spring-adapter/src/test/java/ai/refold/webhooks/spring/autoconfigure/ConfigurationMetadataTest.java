package ai.refold.webhooks.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.springframework.beans.BeanWrapperImpl;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.core.convert.ConversionService;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;

/**
 * What an IDE shows for {@code refold.webhooks.*}: the metadata generated from the properties class plus the
 * defaults the annotation processor cannot read (those taken from core's constants). Every property has a plain
 * description and a default, and each listed default is the value an application actually gets.
 */
class ConfigurationMetadataTest {

    // A map of labels to keys has no default: it is required, and startup fails without it.
    private static final Set<String> WITHOUT_DEFAULT = Set.of("refold.webhooks.keys");

    @Test
    void everyPropertyHasAPlainDescriptionAndTheDefaultAnApplicationGets() throws IOException {
        JsonNode properties = metadata().get("properties");
        ConversionService conversion = ApplicationConversionService.getSharedInstance();
        BeanWrapperImpl defaults = new BeanWrapperImpl(new RefoldWebhookProperties());
        List<String> problems = new ArrayList<>();
        int checked = 0;
        int inbox = 0;
        for (JsonNode property : properties) {
            String name = property.get("name").asText();
            if (!name.startsWith("refold.webhooks.")) {
                continue;
            }
            checked++;
            if (name.startsWith("refold.webhooks.inbox.")) {
                inbox++;
            }
            String description = property.path("description").asText("");
            if (description.isBlank() || description.contains("{@") || description.contains("<")) {
                problems.add(name + ": description is missing or not plain text: " + description);
            }
            if (WITHOUT_DEFAULT.contains(name)) {
                continue;
            }
            JsonNode listed = property.get("defaultValue");
            if (listed == null) {
                problems.add(name + ": no default in the metadata");
                continue;
            }
            String path = beanPath(name.substring("refold.webhooks.".length()));
            Object actual = defaults.getPropertyValue(path);
            Class<?> type = defaults.getPropertyType(path);
            Object converted = conversion.convert(listed.isTextual() ? listed.asText() : listed.toString(), type);
            if (!converted.equals(actual)) {
                problems.add(name + ": metadata says " + listed + " but the default is " + actual);
            }
        }
        assertThat(problems).isEmpty();
        assertThat(checked).as("properties checked").isGreaterThanOrEqualTo(20);
        assertThat(inbox).as("refold.webhooks.inbox.* properties checked").isEqualTo(13);
    }

    // Spring Boot's own jars carry a file of the same name: take the one that describes this starter.
    private static JsonNode metadata() throws IOException {
        ObjectMapper json = new ObjectMapper();
        Enumeration<URL> files = RefoldWebhookProperties.class.getClassLoader()
                .getResources("META-INF/spring-configuration-metadata.json");
        while (files.hasMoreElements()) {
            try (InputStream in = files.nextElement().openStream()) {
                JsonNode metadata = json.readTree(in);
                for (JsonNode group : metadata.path("groups")) {
                    if (group.path("sourceType").asText().equals(RefoldWebhookProperties.class.getName())) {
                        return metadata;
                    }
                }
            }
        }
        throw new AssertionError("the starter's generated configuration metadata is not on the classpath");
    }

    // idempotency.jdbc.table-name -> idempotency.jdbc.tableName
    private static String beanPath(String property) {
        StringBuilder path = new StringBuilder();
        boolean upper = false;
        for (char c : property.toCharArray()) {
            if (c == '-') {
                upper = true;
            } else {
                path.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return path.toString();
    }
}
