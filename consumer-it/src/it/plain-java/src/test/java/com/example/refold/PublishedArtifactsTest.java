package com.example.refold;

import org.junit.jupiter.api.Test;

import java.net.JarURLConnection;
import java.net.URL;
import java.util.Map;
import java.util.jar.JarFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Each artifact this project took from the BOM is a jar with the module name users put in module-info.java. The
 * classes are found as resources, not loaded: the servlet and WebFlux adapters' APIs are the container's to provide.
 */
class PublishedArtifactsTest {

    @Test
    void everyArtifactNamesItsAutomaticModule() throws Exception {
        Map<String, String> names = Map.of(
                "ai/refold/webhooks/WebhookReceiver.class", "ai.refold.webhooks.core",
                "ai/refold/webhooks/test/SamplePayloads.class", "ai.refold.webhooks.test",
                "ai/refold/webhooks/subscription/RefoldWebhooksClient.class", "ai.refold.webhooks.subscriptions",
                "ai/refold/webhooks/servlet/RefoldWebhookFilter.class", "ai.refold.webhooks.servlet",
                "ai/refold/webhooks/webflux/RefoldWebhookWebFilter.class", "ai.refold.webhooks.webflux",
                "ai/refold/webhooks/cli/RefoldWebhooksCli.class", "ai.refold.webhooks.cli");
        for (Map.Entry<String, String> entry : names.entrySet()) {
            URL resource = getClass().getClassLoader().getResource(entry.getKey());
            assertNotNull(resource, entry.getKey());
            JarURLConnection connection = (JarURLConnection) resource.openConnection();
            connection.setUseCaches(false);
            try (JarFile jar = connection.getJarFile()) {
                assertEquals(entry.getValue(), jar.getManifest().getMainAttributes().getValue("Automatic-Module-Name"),
                        jar.getName());
            }
        }
    }
}
