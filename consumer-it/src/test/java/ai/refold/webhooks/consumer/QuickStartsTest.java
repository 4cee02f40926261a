package ai.refold.webhooks.consumer;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The consumer projects in src/it run the README's quick starts exactly as printed: every code block of the three
 * "Quick start" sections stands, line for line, in the project that runs it (indentation and blank lines aside; a
 * line "// ..." marks lines left out of an excerpt, as in examples' ReadmeSnippetsTest).
 */
class QuickStartsTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path PROJECTS = Path.of("src/it");
    private static final Pattern BLOCK = Pattern.compile("```(java|properties)\\n(.*?)```", Pattern.DOTALL);

    @Test
    void theSpringBootQuickStartIsTheSpringBootProjectsCode() throws IOException {
        assertSectionRunsIn("## Quick start: Spring Boot", PROJECTS.resolve("spring-boot"), 2);
    }

    @Test
    void theServletQuickStartIsThePlainProjectsCode() throws IOException {
        assertSectionRunsIn("## Quick start: a plain servlet container", PROJECTS.resolve("plain-java-and-servlet"),
                1);
    }

    @Test
    void theAnyJavaCodeQuickStartIsThePlainProjectsCode() throws IOException {
        assertSectionRunsIn("## Quick start: any Java code", PROJECTS.resolve("plain-java-and-servlet"), 1);
    }

    private static void assertSectionRunsIn(String heading, Path project, int blocks) throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"), StandardCharsets.UTF_8);
        int start = readme.indexOf(heading + "\n");
        assertThat(start).as("README section %s", heading).isNotNegative();
        int end = readme.indexOf("\n## ", start + heading.length());
        Matcher block = BLOCK.matcher(readme.substring(start, end < 0 ? readme.length() : end));
        int found = 0;
        while (block.find()) {
            List<List<String>> sources = sources(project, block.group(1).equals("java") ? ".java" : ".properties");
            String snippet = block.group(2);
            assertThat(sources.stream().anyMatch(source -> contains(source, snippet)))
                    .as("the snippet of %s in %s:%n%s", heading, project, snippet).isTrue();
            found++;
        }
        assertThat(found).as("code blocks under %s", heading).isEqualTo(blocks);
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

    private static List<List<String>> sources(Path project, String suffix) throws IOException {
        try (Stream<Path> files = Files.walk(project)) {
            return files.filter(path -> path.toString().endsWith(suffix)).map(path -> {
                try {
                    return normalise(Files.readString(path, StandardCharsets.UTF_8));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).toList();
        }
    }
}
