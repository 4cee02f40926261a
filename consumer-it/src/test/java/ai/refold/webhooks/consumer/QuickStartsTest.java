package ai.refold.webhooks.consumer;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The consumer projects in src/it run the quick starts exactly as printed: every code block (Maven dependencies,
 * properties, Java) of the README's three "Quick start" sections and of the WebFlux quick start in docs/spring-boot.md
 * stands, line for line, in the project that runs it (indentation and blank lines aside; a line "// ..." marks lines
 * left out of an excerpt, as in examples' ReadmeSnippetsTest). The projects' poms write the reactor's versions as
 * {@code @property@}, which the invoker fills in; here they are read from the root pom, as the README prints them.
 */
class QuickStartsTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path PROJECTS = Path.of("src/it");
    private static final Pattern BLOCK = Pattern.compile("```(java|properties|xml)\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern TOKEN = Pattern.compile("@([\\w.-]+)@");

    @Test
    void theSpringBootQuickStartIsTheSpringBootProjectsCode() throws IOException {
        assertSectionRunsIn("README.md", "## Quick start: Spring Boot", "spring-boot", 3);
    }

    @Test
    void theServletQuickStartIsTheServletProjectsCode() throws IOException {
        assertSectionRunsIn("README.md", "## Quick start: a plain servlet container", "servlet", 2);
    }

    @Test
    void theAnyJavaCodeQuickStartIsThePlainJavaProjectsCode() throws IOException {
        assertSectionRunsIn("README.md", "## Quick start: any Java code", "plain-java", 2);
    }

    @Test
    void theWebFluxQuickStartIsTheWebFluxProjectsCode() throws IOException {
        assertSectionRunsIn("docs/spring-boot.md", "### Quick start: Spring WebFlux", "webflux", 3);
    }

    private static void assertSectionRunsIn(String file, String heading, String projectName, int blocks)
            throws IOException {
        Path project = PROJECTS.resolve(projectName);
        String text = Files.readString(ROOT.resolve(file), StandardCharsets.UTF_8);
        int start = text.indexOf(heading + "\n");
        assertThat(start).as("%s section %s", file, heading).isNotNegative();
        int level = heading.indexOf(' ');
        Matcher next = Pattern.compile("\\n#{2," + level + "} ").matcher(text);
        int end = next.find(start + heading.length()) ? next.start() : text.length();
        Matcher block = BLOCK.matcher(text.substring(start, end));
        Map<String, String> versions = rootProperties();
        int found = 0;
        while (block.find()) {
            String suffix = switch (block.group(1)) {
                case "java" -> ".java";
                case "xml" -> "pom.xml";
                default -> ".properties";
            };
            List<List<String>> sources = sources(project, suffix, versions);
            String snippet = block.group(2);
            assertThat(sources.stream().anyMatch(source -> contains(source, snippet)))
                    .as("the snippet of %s in %s:%n%s", heading, project, snippet).isTrue();
            found++;
        }
        assertThat(found).as("code blocks under %s", heading).isEqualTo(blocks);
    }

    // The root pom's <properties>, and project.version: what the invoker substitutes for @name@ in the projects.
    private static Map<String, String> rootProperties() throws IOException {
        String pom = Files.readString(ROOT.resolve("pom.xml"), StandardCharsets.UTF_8);
        Map<String, String> values = new HashMap<>();
        String properties = pom.substring(pom.indexOf("<properties>"), pom.indexOf("</properties>"));
        Matcher property = Pattern.compile("<([\\w.-]+)>([^<]*)</\\1>").matcher(properties);
        while (property.find()) {
            values.put(property.group(1), property.group(2));
        }
        Matcher version = Pattern.compile("<artifactId>refold-webhooks-parent</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(pom);
        assertThat(version.find()).as("the root pom's version").isTrue();
        values.put("project.version", version.group(1));
        return values;
    }

    // Each segment between "// ..." lines appears contiguously, in order, in the source.
    private static boolean contains(List<String> source, String snippet) {
        int from = 0;
        for (String segment : snippet.split("(?m)^\\s*// \\.\\.\\.\\s*$")) {
            List<String> lines = normalise(segment);
            if (lines.isEmpty()) {
                continue;
            }
            int at = Collections.indexOfSubList(source.subList(from, source.size()), lines);
            if (at < 0) {
                return false;
            }
            from += at + lines.size();
        }
        return true;
    }

    private static List<String> normalise(String text) {
        List<String> lines = new ArrayList<>();
        for (String line : text.split("\\n")) {
            if (!line.isBlank()) {
                lines.add(line.strip());
            }
        }
        return lines;
    }

    private static List<List<String>> sources(Path project, String suffix, Map<String, String> versions)
            throws IOException {
        try (Stream<Path> files = Files.walk(project)) {
            return files.filter(path -> path.toString().endsWith(suffix)).map(path -> {
                try {
                    String text = Files.readString(path, StandardCharsets.UTF_8);
                    return normalise(TOKEN.matcher(text).replaceAll(token -> Matcher.quoteReplacement(
                            versions.getOrDefault(token.group(1), token.group()))));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).toList();
        }
    }
}
