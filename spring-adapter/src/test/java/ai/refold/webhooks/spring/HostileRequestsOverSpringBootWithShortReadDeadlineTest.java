package ai.refold.webhooks.spring;

import org.springframework.boot.test.context.SpringBootTest;

/** The catalogue rows about bodies that stop arriving, through the starter with a short read deadline. */
@SpringBootTest(classes = CatalogueApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {CatalogueApplication.LIVE_KEY, CatalogueApplication.PREVIOUS_KEY,
            CatalogueApplication.LARGE_HEADERS, CatalogueApplication.SHORT_READ_DEADLINE})
class HostileRequestsOverSpringBootWithShortReadDeadlineTest extends HostileRequestsOverSpringBoot {
}
