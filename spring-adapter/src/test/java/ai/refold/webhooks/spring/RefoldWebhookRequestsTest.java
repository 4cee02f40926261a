package ai.refold.webhooks.spring;

import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.test.SamplePayloads;
import ai.refold.webhooks.test.mockmvc.RefoldWebhookRequests;

import jakarta.servlet.Filter;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.context.WebApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest(classes = TestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.MOCK,
        properties = "refold.webhooks.keys.test=" + TestApplication.API_KEY)
class RefoldWebhookRequestsTest {

    @Autowired
    WebApplicationContext context;

    @Autowired
    FilterRegistrationBean<? extends Filter> refoldWebhookFilterRegistration;

    @Autowired
    TestHandlers handlers;

    @Test
    void aSignedMockMvcDeliveryReachesTheHandlers() throws Exception {
        MockMvc mockMvc = MockMvcBuilders.webAppContextSetup(context)
                .addFilters(refoldWebhookFilterRegistration.getFilter()).build();
        handlers.calls.clear();

        int status = mockMvc.perform(RefoldWebhookRequests.signedDelivery(TestApplication.API_KEY,
                EventType.CONNECTION_CREATED)).andReturn().getResponse().getStatus();

        assertThat(status).isEqualTo(200);
        assertThat(handlers.calls("onCreated")).hasSize(1);
    }

    @Test
    void aDeliverySignedWithAnotherKeyIsRejected() throws Exception {
        MockMvc mockMvc = MockMvcBuilders.webAppContextSetup(context)
                .addFilters(refoldWebhookFilterRegistration.getFilter()).build();

        int status = mockMvc.perform(RefoldWebhookRequests.signedDelivery("/webhooks/refold", "other-key",
                SamplePayloads.of(EventType.WORKFLOW_ERRORED))).andReturn().getResponse().getStatus();

        assertThat(status).isEqualTo(401);
    }
}
