package ai.refold.webhooks.examples;

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
 * Keeps the README honest: every Java snippet in it must stand, line for line, in source code the build compiles.
 * Indentation and blank lines are ignored; a line {@code // ...} in a snippet marks lines left out of an excerpt.
 */
class ReadmeSnippetsTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);

    @Test
    void everyJavaSnippetInTheReadmeIsCompiledSource() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"), StandardCharsets.UTF_8);
        List<List<String>> sources = sources();
        Matcher blocks = JAVA_BLOCK.matcher(readme);
        int checked = 0;
        while (blocks.find()) {
            String snippet = blocks.group(1);
            assertThat(sources.stream().anyMatch(source -> contains(source, snippet)))
                    .as("README snippet not found in any compiled source:%n%s", snippet).isTrue();
            checked++;
        }
        assertThat(checked).as("Java snippets checked").isGreaterThanOrEqualTo(5);
    }

    // Each segment between "// ..." lines must appear contiguously, in order, in the source.
    private static boolean contains(List<String> source, String snippet) {
        int from = 0;
        for (String segment : snippet.split("\\n\\s*// \\.\\.\\.\\s*\\n|^\\s*// \\.\\.\\.\\s*\\n|\\n\\s*// \\.\\.\\.\\s*$")) {
            List<String> lines = normalise(segment);
            if (lines.isEmpty()) {
                continue;
            }
            int at = indexOf(source, lines, from);
            if (at < 0) {
                return false;
            }
            from = at + lines.size();
        }
        return true;
    }

    private static int indexOf(List<String> source, List<String> lines, int from) {
        int at = Collections.indexOfSubList(source.subList(from, source.size()), lines);
        return at < 0 ? -1 : from + at;
    }

    private static List<String> normalise(String text) {
        List<String> lines = new ArrayList<>();
        for (String line : text.split("\\n")) {
            String trimmed = line.strip();
            if (!trimmed.isEmpty()) {
                lines.add(trimmed);
            }
        }
        return lines;
    }

    private static List<List<String>> sources() throws IOException {
        try (Stream<Path> files = Files.walk(ROOT)) {
            return files.filter(path -> path.toString().endsWith(".java"))
                    .filter(path -> !path.toString().contains("/target/") && !path.toString().contains("/.git/"))
                    .map(path -> {
                        try {
                            return normalise(Files.readString(path, StandardCharsets.UTF_8));
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    })
                    .toList();
        }
    }
}
