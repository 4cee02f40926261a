package ai.refold.webhooks.spring.reactive;

import org.springframework.boot.test.context.SpringBootTest;

/** The catalogue rows that run under the body limit raised to 64 MB, through the starter on Reactor Netty. */
@SpringBootTest(classes = ReactiveCatalogueApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {ReactiveCatalogueApplication.LIVE_KEY, ReactiveCatalogueApplication.PREVIOUS_KEY,
            ReactiveCatalogueApplication.LARGE_HEADERS, "refold.webhooks.max-body-size=64MB"})
class HostileRequestsOverWebFluxWith64MbLimitTest extends HostileRequestsOverWebFlux {
}
