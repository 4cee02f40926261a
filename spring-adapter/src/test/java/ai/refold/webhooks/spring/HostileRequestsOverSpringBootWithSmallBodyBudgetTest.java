package ai.refold.webhooks.spring;

import org.springframework.boot.test.context.SpringBootTest;

/** The catalogue rows about bytes in flight, through the starter with a small body budget. */
@SpringBootTest(classes = CatalogueApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {CatalogueApplication.LIVE_KEY, CatalogueApplication.PREVIOUS_KEY,
            CatalogueApplication.LARGE_HEADERS, CatalogueApplication.SMALL_BODY_BUDGET})
class HostileRequestsOverSpringBootWithSmallBodyBudgetTest extends HostileRequestsOverSpringBoot {
}
