-- Scheduled signing-key rotation; see migrations/sqlite/0015_signing_key_schedule.sql.
ALTER TABLE signing_keys ADD COLUMN activates_at BIGINT;
