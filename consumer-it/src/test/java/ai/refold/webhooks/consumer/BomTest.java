package ai.refold.webhooks.consumer;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The BOM has no parent, so nothing keeps it in step with the reactor but this test: its version is the reactor's,
 * and it manages exactly the artifacts the reactor publishes (every module that neither skips deploy nor is the
 * parent or the BOM itself), each at the project version.
 */
class BomTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void theBomHasTheReactorsVersionAndListsEveryPublishedArtifact() throws Exception {
        Element reactor = read(ROOT.resolve("pom.xml"));
        Element bom = read(ROOT.resolve("bom/pom.xml"));

        assertThat(child(bom, "version")).contains(child(reactor, "version").orElseThrow());
        List<String> published = new ArrayList<>();
        for (Element module : children(child(reactor, "modules", "module"))) {
            Element pom = read(ROOT.resolve(module.getTextContent().trim()).resolve("pom.xml"));
            boolean skipsDeploy = child(pom, "properties").isPresent() && children(pom.getElementsByTagName(
                    "maven.deploy.skip")).stream().anyMatch(skip -> skip.getTextContent().trim().equals("true"));
            String artifactId = child(pom, "artifactId").orElseThrow();
            if (!skipsDeploy && !artifactId.equals("refold-webhooks-bom")) {
                published.add(artifactId);
            }
        }
        List<String> managed = new ArrayList<>();
        for (Element dependency : children(bom.getElementsByTagName("dependency"))) {
            assertThat(child(dependency, "groupId")).contains("ai.refold");
            assertThat(child(dependency, "version")).contains("${project.version}");
            managed.add(child(dependency, "artifactId").orElseThrow());
        }
        assertThat(published).contains("refold-webhooks-core", "refold-webhooks-cli");
        assertThat(managed).containsExactlyInAnyOrderElementsOf(published);
    }

    private static Element read(Path pom) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Document document = factory.newDocumentBuilder().parse(Files.newInputStream(pom));
        return document.getDocumentElement();
    }

    // The text of a direct child (or of a child's children named by the rest of the path).
    private static Optional<String> child(Element parent, String name) {
        for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element element && element.getTagName().equals(name)) {
                return Optional.of(element.getTextContent().trim());
            }
        }
        return Optional.empty();
    }

    private static NodeList child(Element parent, String name, String elements) {
        for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element element && element.getTagName().equals(name)) {
                return element.getElementsByTagName(elements);
            }
        }
        throw new AssertionError("no <" + name + "> in " + parent.getTagName());
    }

    private static List<Element> children(NodeList nodes) {
        List<Element> elements = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            elements.add((Element) nodes.item(i));
        }
        return elements;
    }
}
