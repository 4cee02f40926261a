-- Idempotency records of the Refold webhook receiver (JdbcIdempotencyStore), H2 2.x.
-- state is PROCESSING (owner_token holds a lease until expires_at), COMPLETED (remembered until expires_at) or
-- RELEASED (released after the handlers in done_handlers succeeded; remembered until expires_at).
-- previous_state is what a claim took over: PROCESSING (an expired claim) or RELEASED, else null.
-- Keys and owners compare case-sensitively even on a database started with IGNORECASE=TRUE, where a plain VARCHAR
-- column would merge two events whose keys differ only in case.
CREATE TABLE IF NOT EXISTS refold_webhook_deliveries (
    idempotency_key VARCHAR_CASESENSITIVE(200) NOT NULL PRIMARY KEY,
    owner_token     VARCHAR_CASESENSITIVE(200),
    state           VARCHAR(16)              NOT NULL,
    expires_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    previous_state  VARCHAR(16),
    done_handlers   VARCHAR
);
-- Tables created by version 0.1 lack the last two columns.
ALTER TABLE refold_webhook_deliveries ADD COLUMN IF NOT EXISTS previous_state VARCHAR(16);
ALTER TABLE refold_webhook_deliveries ADD COLUMN IF NOT EXISTS done_handlers VARCHAR;
CREATE INDEX IF NOT EXISTS refold_webhook_deliveries_expires_at_idx ON refold_webhook_deliveries (expires_at);
