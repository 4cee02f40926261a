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
 * Keeps the README and the docs pages honest: every Java snippet in README.md and docs/*.md must stand, line for
 * line, in source code the build compiles (the consumer projects of consumer-it included).
 * Indentation and blank lines are ignored; a line {@code // ...} in a snippet marks lines left out of an excerpt.
 */
class ReadmeSnippetsTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);

    @Test
    void everyJavaSnippetInTheReadmeAndTheDocsIsCompiledSource() throws IOException {
        List<List<String>> sources = sources();
        List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(path -> path.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        int checked = 0;
        for (Path page : pages) {
            Matcher blocks = JAVA_BLOCK.matcher(Files.readString(page, StandardCharsets.UTF_8));
            while (blocks.find()) {
                String snippet = blocks.group(1);
                assertThat(sources.stream().anyMatch(source -> contains(source, snippet)))
                        .as("snippet of %s not found in any compiled source:%n%s", ROOT.relativize(page), snippet)
                        .isTrue();
                checked++;
            }
        }
        assertThat(pages).as("README.md and the docs pages").hasSizeGreaterThan(5);
        assertThat(checked).as("Java snippets checked").isGreaterThanOrEqualTo(15);
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
