-- A credential's rotation policy (JSON, see RotationPolicy), when its
-- current secret is due, and when the scheduler next has something to do for
-- it (the due date, then the enforcement date of a notify policy). The
-- scheduler reads through the partial index, so a pass costs what is due,
-- not what exists, and a notice it sent takes the row out of the next pass.
ALTER TABLE credentials ADD COLUMN rotation TEXT;
ALTER TABLE credentials ADD COLUMN rotation_due_at INTEGER;
ALTER TABLE credentials ADD COLUMN rotation_check_at INTEGER;
CREATE INDEX credentials_by_rotation_check ON credentials (rotation_check_at)
    WHERE rotation_check_at IS NOT NULL AND revoked_at IS NULL;

-- Secrets whose grace period ended recently, for the stalled-rotation notice.
CREATE INDEX credential_secrets_by_retirement ON credential_secrets (retires_at)
    WHERE retires_at IS NOT NULL;

-- An application's previous secret (sealed, like app_secret) and when it
-- stops signing: a rotated application keeps the old one for its grace period.
ALTER TABLE credentials ADD COLUMN previous_app_secret BLOB;
ALTER TABLE credentials ADD COLUMN previous_app_secret_retires_at INTEGER;
