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
 * line, in source code the build compiles (the consumer projects of consumer-it included), and every SQL snippet
 * and whole XML file in a file the build uses.
 * Indentation and blank lines are ignored; a line {@code // ...} in a snippet marks lines left out of an excerpt.
 */
class ReadmeSnippetsTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern FILE_BLOCK = Pattern.compile("```(sql|xml)\\n(.*?)```", Pattern.DOTALL);

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

    /**
     * The SQL and the whole XML files the pages print ({@code ```sql}, and {@code ```xml} blocks that start with an
     * XML declaration, such as web.xml) stand, line for line, in a file of that kind under a module's {@code src}: the
     * schema the store ships, the descriptor a test deploys. Maven dependency fragments are the consumer projects'
     * business (QuickStartsTest).
     */
    @Test
    void everySqlSnippetAndXmlFileInTheReadmeAndTheDocsIsAFileTheBuildUses() throws IOException {
        List<List<String>> sql = files(".sql");
        List<List<String>> xml = files(".xml");
        List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(path -> path.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        int checked = 0;
        for (Path page : pages) {
            Matcher blocks = FILE_BLOCK.matcher(Files.readString(page, StandardCharsets.UTF_8));
            while (blocks.find()) {
                String snippet = blocks.group(2);
                if (blocks.group(1).equals("xml") && !snippet.startsWith("<?xml")) {
                    continue;
                }
                List<List<String>> candidates = blocks.group(1).equals("sql") ? sql : xml;
                assertThat(candidates.stream().anyMatch(source -> contains(source, snippet)))
                        .as("%s snippet of %s not found in any file under src:%n%s", blocks.group(1),
                                ROOT.relativize(page), snippet)
                        .isTrue();
                checked++;
            }
        }
        assertThat(checked).as("SQL and XML file snippets checked").isGreaterThanOrEqualTo(2);
    }

    private static List<List<String>> files(String suffix) throws IOException {
        try (Stream<Path> files = Files.walk(ROOT)) {
            return files.filter(path -> path.toString().endsWith(suffix) && path.toString().contains("/src/"))
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
