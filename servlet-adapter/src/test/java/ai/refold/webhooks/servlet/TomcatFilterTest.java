package ai.refold.webhooks.servlet;

import jakarta.servlet.Filter;
import jakarta.servlet.Servlet;

import java.util.Map;

class TomcatFilterTest extends FilterContractTest {

    @Override
    protected ServletContainer start(Filter filter, Map<String, String> initParameters, Servlet app)
            throws Exception {
        return TomcatContainer.start(filter, initParameters, app);
    }
}
