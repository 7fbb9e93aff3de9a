-- Last used per secret; see migrations/sqlite/0013_secret_last_used.sql.
ALTER TABLE credential_secrets ADD COLUMN last_used_at BIGINT;
ALTER TABLE credential_secrets ADD COLUMN last_used_ip TEXT;
