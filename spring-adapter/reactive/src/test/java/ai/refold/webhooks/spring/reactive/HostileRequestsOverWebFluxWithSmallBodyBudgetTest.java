package ai.refold.webhooks.spring.reactive;

import org.springframework.boot.test.context.SpringBootTest;

/** The catalogue rows that run under the small body budget of the rows about bytes in flight, through the starter on Reactor Netty. */
@SpringBootTest(classes = ReactiveCatalogueApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {ReactiveCatalogueApplication.LIVE_KEY, ReactiveCatalogueApplication.PREVIOUS_KEY,
            ReactiveCatalogueApplication.LARGE_HEADERS, ReactiveCatalogueApplication.SMALL_BODY_BUDGET})
class HostileRequestsOverWebFluxWithSmallBodyBudgetTest extends HostileRequestsOverWebFlux {
}
