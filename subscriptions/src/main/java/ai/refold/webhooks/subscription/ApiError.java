package ai.refold.webhooks.subscription;

/** The documented error body of the Create Webhook API; each field is null when absent, texts already sanitised. */
record ApiError(Integer statusCode, String httpErrorType, String error, String message) {
}
