-- The inbox of the Refold webhook receiver (JdbcInboxStore), PostgreSQL 9.6 or later: one row per event, holding
-- the delivery as received until its handlers have run. state is PENDING (due at next_attempt_at), PROCESSING (taken
-- by owner_token, whose lease runs until next_attempt_at), DONE (kept until next_attempt_at as a duplicate guard) or
-- DEAD (kept until replayed or discarded). done_handlers lists the handlers that already succeeded. A row with an
-- ordering_key is not taken while another row with the same ordering_key is PROCESSING, or one received before it is
-- PENDING.
CREATE TABLE IF NOT EXISTS refold_webhook_inbox (
    idempotency_key VARCHAR(200)             NOT NULL PRIMARY KEY,
    event_type      VARCHAR(100),
    key_label       VARCHAR(200)             NOT NULL,
    headers         VARCHAR                  NOT NULL,
    body            BYTEA                    NOT NULL,
    received_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    state           VARCHAR(16)              NOT NULL,
    attempts        INTEGER                  NOT NULL,
    next_attempt_at TIMESTAMP WITH TIME ZONE NOT NULL,
    owner_token     VARCHAR(200),
    rerun           BOOLEAN                  NOT NULL,
    done_handlers   VARCHAR,
    last_error      VARCHAR(1000)
);
-- Partial indexes only, each holding the rows of the states that read it, so that a row version indexes itself once
-- or twice (three times for an ordered row not yet done), not six times: a delivery inserts its row and updates it
-- when taken and when done, and every update of an indexed column writes a new entry into each index that holds it.
-- What take and stats read: due rows of both states, oldest due first.
CREATE INDEX IF NOT EXISTS refold_webhook_inbox_due_at_idx ON refold_webhook_inbox (next_attempt_at)
    WHERE state IN ('PENDING', 'PROCESSING');
-- What purge and stats read: done rows by the end of their retention.
CREATE INDEX IF NOT EXISTS refold_webhook_inbox_done_idx ON refold_webhook_inbox (next_attempt_at)
    WHERE state = 'DONE';
-- What the dead-letter list, replay and discard read: dead rows by when they were received.
CREATE INDEX IF NOT EXISTS refold_webhook_inbox_dead_idx ON refold_webhook_inbox (received_at)
    WHERE state = 'DEAD';
-- ordering_key is added apart from the table, so that a table created before it existed gets it too.
ALTER TABLE refold_webhook_inbox ADD COLUMN IF NOT EXISTS ordering_key VARCHAR(200);
-- What take reads to hold a row back behind an earlier pending one of its ordering key.
CREATE INDEX IF NOT EXISTS refold_webhook_inbox_ordered_idx ON refold_webhook_inbox (ordering_key, received_at)
    WHERE ordering_key IS NOT NULL AND state = 'PENDING';
-- At most one taken row per ordering key, whatever the takers saw: a take that would be a second fails instead.
CREATE UNIQUE INDEX IF NOT EXISTS refold_webhook_inbox_running_idx ON refold_webhook_inbox (ordering_key)
    WHERE ordering_key IS NOT NULL AND state = 'PROCESSING';
