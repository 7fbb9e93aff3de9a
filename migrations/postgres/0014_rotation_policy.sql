-- A credential's rotation policy, its due date and the scheduler's next look; see
-- migrations/sqlite/0014_rotation_policy.sql.
ALTER TABLE credentials ADD COLUMN rotation TEXT;
ALTER TABLE credentials ADD COLUMN rotation_due_at BIGINT;
ALTER TABLE credentials ADD COLUMN rotation_check_at BIGINT;
CREATE INDEX credentials_by_rotation_check ON credentials (rotation_check_at)
    WHERE rotation_check_at IS NOT NULL AND revoked_at IS NULL;

CREATE INDEX credential_secrets_by_retirement ON credential_secrets (retires_at)
    WHERE retires_at IS NOT NULL;

-- An application's previous secret (sealed, like app_secret) and when it
-- stops signing: a rotated application keeps the old one for its grace period.
ALTER TABLE credentials ADD COLUMN previous_app_secret BYTEA;
ALTER TABLE credentials ADD COLUMN previous_app_secret_retires_at BIGINT;
