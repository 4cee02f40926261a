-- The inbox of the Refold webhook receiver (JdbcInboxStore), H2 2.x: one row per event, holding
-- the delivery as received until its handlers have run. state is PENDING (due at next_attempt_at), PROCESSING (taken
-- by owner_token, whose lease runs until next_attempt_at), DONE (kept until next_attempt_at as a duplicate guard) or
-- DEAD (kept until replayed or discarded). done_handlers lists the handlers that already succeeded. A row with an
-- ordering_key is not taken while another row with the same ordering_key is PROCESSING, or one received before it is
-- PENDING. running_key holds each row's own key, or its ordering key while it is taken: the unique index on it allows at
-- most one taken row per ordering key, whatever the takers saw (a take that would be a second fails instead); every
-- other row has its own key there rather than NULL, which some compatibility modes count as equal to NULL.
-- Keys, owners and ordering keys compare case-sensitively even on a database started with IGNORECASE=TRUE, where a
-- plain VARCHAR column would store two events whose keys differ only in case as one. Every column is in the CREATE
-- TABLE: on such a database an ALTER TABLE ... ADD COLUMN rebuilds the table and makes its text columns ignore case.
CREATE TABLE IF NOT EXISTS refold_webhook_inbox (
    idempotency_key VARCHAR_CASESENSITIVE(200) NOT NULL PRIMARY KEY,
    event_type      VARCHAR(100),
    key_label       VARCHAR(200)             NOT NULL,
    headers         VARCHAR                  NOT NULL,
    body            BLOB                     NOT NULL,
    received_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    state           VARCHAR(16)              NOT NULL,
    attempts        INTEGER                  NOT NULL,
    next_attempt_at TIMESTAMP WITH TIME ZONE NOT NULL,
    owner_token     VARCHAR_CASESENSITIVE(200),
    rerun           BOOLEAN                  NOT NULL,
    done_handlers   VARCHAR,
    last_error      VARCHAR(1000),
    ordering_key    VARCHAR_CASESENSITIVE(200),
    running_key     VARCHAR_CASESENSITIVE(210)
        GENERATED ALWAYS AS (CASE WHEN state = 'PROCESSING' AND ordering_key IS NOT NULL THEN 'o:' || ordering_key
            ELSE 'k:' || idempotency_key END)
);
CREATE INDEX IF NOT EXISTS refold_webhook_inbox_due_idx ON refold_webhook_inbox (state, next_attempt_at);
CREATE INDEX IF NOT EXISTS refold_webhook_inbox_received_idx ON refold_webhook_inbox (received_at);
-- A table created before ordering_key and running_key existed gets them here; the store runs these two statements only
-- if the column is missing.
ALTER TABLE refold_webhook_inbox ADD COLUMN IF NOT EXISTS ordering_key VARCHAR_CASESENSITIVE(200);
CREATE INDEX IF NOT EXISTS refold_webhook_inbox_ordered_idx ON refold_webhook_inbox (ordering_key, received_at);
ALTER TABLE refold_webhook_inbox ADD COLUMN IF NOT EXISTS running_key VARCHAR_CASESENSITIVE(210)
    GENERATED ALWAYS AS (CASE WHEN state = 'PROCESSING' AND ordering_key IS NOT NULL THEN 'o:' || ordering_key
        ELSE 'k:' || idempotency_key END);
CREATE UNIQUE INDEX IF NOT EXISTS refold_webhook_inbox_running_idx ON refold_webhook_inbox (running_key);
