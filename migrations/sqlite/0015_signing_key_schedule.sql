-- Scheduled signing-key rotation (--signing-key-rotation-days): the next key
-- is published in the JWKS a lead time before it starts signing, so resource
-- servers that cache the JWKS already hold it when the first token it signed
-- arrives. The key ring signs with the unretired key whose activation came
-- last; a key whose activation is still ahead is only published.
-- NULL: it signed from created_at (every key made before this migration).
ALTER TABLE signing_keys ADD COLUMN activates_at INTEGER;
