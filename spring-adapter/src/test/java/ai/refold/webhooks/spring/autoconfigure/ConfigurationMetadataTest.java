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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.URL;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

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
        assertThat(inbox).as("refold.webhooks.inbox.* properties checked").isEqualTo(14);
    }

    /**
     * The property tables of the README and the docs pages: every property is listed, with the default an
     * application gets. A table whose header names a prefix ({@code property (`refold.webhooks.inbox.`)}) lists
     * names without it; a cell may hold two names and two defaults ({@code `a` / `b`}).
     */
    @Test
    void theDocumentedTablesListEveryPropertyWithTheDefaultAnApplicationGets() throws IOException {
        ConversionService conversion = ApplicationConversionService.getSharedInstance();
        BeanWrapperImpl defaults = new BeanWrapperImpl(new RefoldWebhookProperties());
        Map<String, String> documented = new TreeMap<>();
        for (Path page : documentationPages()) {
            String prefix = "";
            int defaultColumn = -1;
            for (String line : Files.readAllLines(page, StandardCharsets.UTF_8)) {
                if (!line.startsWith("|")) {
                    prefix = "";
                    defaultColumn = -1;
                    continue;
                }
                String[] cells = line.split("(?<!\\\\)\\|"); // a cell may hold an escaped pipe
                if (!line.startsWith("| `")) {
                    Matcher header = TABLE_PREFIX.matcher(line);
                    if (header.find()) {
                        prefix = header.group(1);
                    }
                    for (int i = 0; i < cells.length; i++) {
                        if (cells[i].strip().equals("default")) {
                            defaultColumn = i;
                        }
                    }
                    continue;
                }
                if (defaultColumn < 0 || defaultColumn >= cells.length) {
                    continue;
                }
                List<String> names = codeSpans(cells[1]);
                List<String> values = codeSpans(cells[defaultColumn]);
                for (int i = 0; i < names.size() && i < values.size(); i++) {
                    String name = prefix + names.get(i);
                    if (name.startsWith("refold.webhooks.")) {
                        documented.put(name, values.get(i));
                    }
                }
            }
        }
        List<String> problems = new ArrayList<>();
        for (JsonNode property : metadata().get("properties")) {
            String name = property.get("name").asText();
            if (!name.startsWith("refold.webhooks.") || WITHOUT_DEFAULT.contains(name)) {
                continue;
            }
            String shown = documented.get(name);
            if (shown == null) {
                problems.add(name + ": not in any documented table");
                continue;
            }
            String path = beanPath(name.substring("refold.webhooks.".length()));
            Object converted = conversion.convert(shown, defaults.getPropertyType(path));
            if (!converted.equals(defaults.getPropertyValue(path))) {
                problems.add(name + ": documented as " + shown + " but the default is "
                        + defaults.getPropertyValue(path));
            }
        }
        assertThat(problems).isEmpty();
    }

    private static final Pattern TABLE_PREFIX = Pattern.compile("^\\| property \\(`(refold\\.webhooks\\.[a-z.-]*)`\\)");
    private static final Pattern CODE_SPAN = Pattern.compile("`([^`]*)`");

    private static List<String> codeSpans(String cell) {
        List<String> spans = new ArrayList<>();
        Matcher span = CODE_SPAN.matcher(cell);
        while (span.find()) {
            spans.add(span.group(1));
        }
        return spans;
    }

    // README.md and docs/*.md of the project, found from the module's directory (spring-adapter or its boot4 run).
    private static List<Path> documentationPages() throws IOException {
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !Files.exists(root.resolve("README.md"))) {
            root = root.getParent();
        }
        assertThat(root).as("the project's README.md above " + Path.of("").toAbsolutePath()).isNotNull();
        List<Path> pages = new ArrayList<>(List.of(root.resolve("README.md")));
        Path docs = root.resolve("docs");
        if (Files.isDirectory(docs)) {
            try (Stream<Path> files = Files.list(docs)) {
                files.filter(file -> file.toString().endsWith(".md")).sorted().forEach(pages::add);
            }
        }
        return pages;
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
