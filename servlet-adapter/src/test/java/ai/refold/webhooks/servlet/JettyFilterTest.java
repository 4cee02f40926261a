package ai.refold.webhooks.servlet;

import jakarta.servlet.Filter;
import jakarta.servlet.Servlet;

import java.util.Map;

class JettyFilterTest extends FilterContractTest {

    @Override
    protected ServletContainer start(Filter filter, Map<String, String> initParameters, Servlet app)
            throws Exception {
        return JettyContainer.start(filter, initParameters, app);
    }
}
