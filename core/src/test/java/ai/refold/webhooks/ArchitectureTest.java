package ai.refold.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The shape docs/architecture.md promises, checked on core's sources: small files, and data flowing
 * one way, from the receiver down to events, signatures and stores, never back up.
 */
class ArchitectureTest {

    private static final Path MAIN = Path.of("src/main/java/ai/refold/webhooks");
    private static final Pattern ROOT_IMPORT = Pattern.compile("^import ai\\.refold\\.webhooks\\.([A-Z]\\w*)",
            Pattern.MULTILINE);
    // A field, parameter or variable of the receiver's type (a javadoc link to it is fine).
    private static final Pattern RECEIVER_REFERENCE = Pattern.compile("\\bWebhookReceiver\\s+\\w+\\s*[;,)=]");
    private static final List<String> LOWER_PACKAGES = List.of("event", "signature", "idempotency");

    @Test
    void noFileInCoresMainCodeIsLongerThan300Lines() throws IOException {
        Map<String, Integer> tooLong = new TreeMap<>();
        for (Path file : javaFiles(MAIN)) {
            int lines = Files.readAllLines(file, StandardCharsets.UTF_8).size();
            if (lines > 300) {
                tooLong.put(MAIN.relativize(file).toString(), lines);
            }
        }
        assertThat(tooLong).isEmpty();
    }

    @Test
    void eventsSignaturesAndStoresNeverImportTheReceiverLayer() throws IOException {
        List<String> upward = new ArrayList<>();
        for (String lower : LOWER_PACKAGES) {
            for (Path file : javaFiles(MAIN.resolve(lower))) {
                Matcher imports = ROOT_IMPORT.matcher(Files.readString(file, StandardCharsets.UTF_8));
                while (imports.find()) {
                    // The one type every layer shares: the base of the SDK's exceptions.
                    if (!imports.group(1).equals("WebhookException")) {
                        upward.add(MAIN.relativize(file) + " imports " + imports.group(1));
                    }
                }
            }
        }
        assertThat(upward).isEmpty();
    }

    @Test
    void theLowerPackagesNeverImportEachOtherExceptStoresReadingEvents() throws IOException {
        List<String> sideways = new ArrayList<>();
        for (String lower : LOWER_PACKAGES) {
            for (Path file : javaFiles(MAIN.resolve(lower))) {
                String source = Files.readString(file, StandardCharsets.UTF_8);
                for (String other : LOWER_PACKAGES) {
                    boolean allowed = other.equals(lower) || lower.equals("idempotency") && other.equals("event");
                    if (!allowed && source.contains("import ai.refold.webhooks." + other + ".")) {
                        sideways.add(MAIN.relativize(file) + " imports " + other);
                    }
                }
            }
        }
        assertThat(sideways).isEmpty();
    }

    @Test
    void anAdmissionEndsThroughItsCompletionAndNeverCallsTheReceiver() throws IOException {
        for (String piece : List.of("Admission.java", "Completion.java", "Claims.java", "Dispatch.java",
                "RouteTable.java", "Pipeline.java", "DeliveryLog.java", "BodyReader.java")) {
            String source = Files.readString(MAIN.resolve(piece), StandardCharsets.UTF_8);
            assertThat(RECEIVER_REFERENCE.matcher(source).find()).as(piece + " holds a WebhookReceiver").isFalse();
        }
    }

    private static List<Path> javaFiles(Path directory) throws IOException {
        try (Stream<Path> files = Files.walk(directory)) {
            return files.filter(path -> path.toString().endsWith(".java")).sorted().toList();
        }
    }
}
