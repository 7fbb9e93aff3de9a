-- Last used per secret: during a grace period the console and the API tell
-- whether the previous secret is still in use (someone's deploy did not pick
-- up the new one). Batched from memory like credentials.last_used_at.
ALTER TABLE credential_secrets ADD COLUMN last_used_at INTEGER;
ALTER TABLE credential_secrets ADD COLUMN last_used_ip TEXT;
