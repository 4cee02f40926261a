package ai.refold.webhooks.spring.reactive;

import org.springframework.boot.test.context.SpringBootTest;

/** The catalogue rows that run under the short read deadline of the rows about bodies that stop arriving, through the starter on Reactor Netty. */
@SpringBootTest(classes = ReactiveCatalogueApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {ReactiveCatalogueApplication.LIVE_KEY, ReactiveCatalogueApplication.PREVIOUS_KEY,
            ReactiveCatalogueApplication.LARGE_HEADERS, ReactiveCatalogueApplication.SHORT_READ_DEADLINE})
class HostileRequestsOverWebFluxWithShortReadDeadlineTest extends HostileRequestsOverWebFlux {
}
