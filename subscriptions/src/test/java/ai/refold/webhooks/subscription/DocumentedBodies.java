package ai.refold.webhooks.subscription;

/** The example answers of the Create Webhook API documentation, verbatim. */
final class DocumentedBodies {

    static final String CREATED = """
            {
              "_id": "6a313eda6d5528bdcf71ebac",
              "org_id": "6500a1b2c3d4e5f6a7b8c9d0",
              "environment": "test",
              "is_enabled": true,
              "webhook_events": ["Workflow Errored", "Connection Expired"],
              "workflow_ids": [],
              "webhook_url": "https://your-app.com/webhooks",
              "webhook_body": "{{event}}",
              "method": "POST",
              "webhook_type": "default",
              "createdAt": "2026-06-16T12:17:30.231Z",
              "updatedAt": "2026-06-16T12:17:30.231Z",
              "__v": 0
            }
            """;

    static final String BAD_REQUEST = """
            {
              "status_code": 400,
              "http_error_type": "BAD_REQUEST",
              "error": "INVALID_EVENT",
              "message": "Invalid event. Check events list in documentation."
            }
            """;

    private DocumentedBodies() {
    }
}
