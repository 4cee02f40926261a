-- Idempotency records of the Refold webhook receiver (JdbcIdempotencyStore), PostgreSQL 9.6 or later.
-- state is PROCESSING (owner_token holds a lease until expires_at), COMPLETED (remembered until expires_at) or
-- RELEASED (released after the handlers in done_handlers succeeded; remembered until expires_at).
-- previous_state is what a claim took over: PROCESSING (an expired claim) or RELEASED, else null.
CREATE TABLE IF NOT EXISTS refold_webhook_deliveries (
    idempotency_key VARCHAR(200)             NOT NULL PRIMARY KEY,
    owner_token     VARCHAR(200),
    state           VARCHAR(16)              NOT NULL,
    expires_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    previous_state  VARCHAR(16),
    done_handlers   VARCHAR
);
-- Tables created by version 0.1 lack the last two columns.
ALTER TABLE refold_webhook_deliveries ADD COLUMN IF NOT EXISTS previous_state VARCHAR(16);
ALTER TABLE refold_webhook_deliveries ADD COLUMN IF NOT EXISTS done_handlers VARCHAR;
CREATE INDEX IF NOT EXISTS refold_webhook_deliveries_expires_at_idx ON refold_webhook_deliveries (expires_at);
