-- Idempotency records of the Refold webhook receiver (JdbcIdempotencyStore), H2.
-- state is PROCESSING (owner_token holds a lease until expires_at) or COMPLETED (remembered until expires_at).
CREATE TABLE IF NOT EXISTS refold_webhook_deliveries (
    idempotency_key VARCHAR(200)             NOT NULL PRIMARY KEY,
    owner_token     VARCHAR(200),
    state           VARCHAR(16)              NOT NULL,
    expires_at      TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX IF NOT EXISTS refold_webhook_deliveries_expires_at_idx ON refold_webhook_deliveries (expires_at);
