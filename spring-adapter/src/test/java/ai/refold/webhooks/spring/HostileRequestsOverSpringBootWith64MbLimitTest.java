package ai.refold.webhooks.spring;

import org.springframework.boot.test.context.SpringBootTest;

/** The catalogue rows that run under a body limit raised to 64 MB, through the starter configured so. */
@SpringBootTest(classes = CatalogueApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {CatalogueApplication.LIVE_KEY, CatalogueApplication.PREVIOUS_KEY,
            CatalogueApplication.LARGE_HEADERS, "refold.webhooks.max-body-size=64MB"})
class HostileRequestsOverSpringBootWith64MbLimitTest extends HostileRequestsOverSpringBoot {
}
