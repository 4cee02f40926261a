package com.example.refold;

import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.cli.RefoldWebhooksCli;
import ai.refold.webhooks.servlet.RefoldWebhookFilter;
import ai.refold.webhooks.subscription.RefoldWebhooksClient;
import ai.refold.webhooks.test.SamplePayloads;

import org.junit.jupiter.api.Test;

import java.net.URL;
import java.util.Map;
import java.util.jar.JarFile;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Each artifact this project took from the BOM is a jar with the module name users put in module-info.java. */
class PublishedArtifactsTest {

    @Test
    void everyArtifactNamesItsAutomaticModule() throws Exception {
        Map<Class<?>, String> names = Map.of(
                WebhookReceiver.class, "ai.refold.webhooks.core",
                SamplePayloads.class, "ai.refold.webhooks.test",
                RefoldWebhooksClient.class, "ai.refold.webhooks.subscriptions",
                RefoldWebhookFilter.class, "ai.refold.webhooks.servlet",
                RefoldWebhooksCli.class, "ai.refold.webhooks.cli");
        for (Map.Entry<Class<?>, String> entry : names.entrySet()) {
            URL jar = entry.getKey().getProtectionDomain().getCodeSource().getLocation();
            try (JarFile file = new JarFile(jar.getPath())) {
                assertEquals(entry.getValue(), file.getManifest().getMainAttributes().getValue("Automatic-Module-Name"),
                        jar.toString());
            }
        }
    }
}
