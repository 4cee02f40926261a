-- Idempotency records of the Refold webhook receiver (JdbcIdempotencyStore), MySQL 8 and MariaDB 10.5 or later.
-- state is PROCESSING (owner_token holds a lease until expires_at) or COMPLETED (remembered until expires_at).
-- expires_at is in UTC; the binary collation keeps keys that differ only in case apart.
CREATE TABLE IF NOT EXISTS refold_webhook_deliveries (
    idempotency_key VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    owner_token     VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    state           VARCHAR(16)  NOT NULL,
    expires_at      DATETIME(6)  NOT NULL,
    PRIMARY KEY (idempotency_key),
    INDEX refold_webhook_deliveries_expires_at_idx (expires_at)
) ENGINE = InnoDB;
