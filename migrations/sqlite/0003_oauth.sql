-- OAuth 2.0 client credentials: signing keys for JWT access tokens, the
-- access-token lifetime of each client, JWT-format keys, and revoked tokens.

-- An OAuth client's access-token lifetime in seconds (NULL: the default, 12 h).
ALTER TABLE credentials ADD COLUMN token_ttl_secs INTEGER;

-- 'opaque' keys are kw_… strings; 'jwt' keys are signed JWTs (SecureCloud style).
ALTER TABLE credentials ADD COLUMN format TEXT NOT NULL DEFAULT 'opaque' CHECK (format IN ('opaque', 'jwt'));

-- For a JWT-format key: the signing key that signed its current secret, so
-- that key stays published until the credential expires.
ALTER TABLE credentials ADD COLUMN signing_kid TEXT;

-- Keys that sign tokens. The private key is PKCS#8 sealed with AES-256-GCM
-- under a key derived from master.key (nonce ‖ ciphertext ‖ tag).
CREATE TABLE signing_keys (
    kid          TEXT    PRIMARY KEY,
    algorithm    TEXT    NOT NULL CHECK (algorithm IN ('RS256', 'ES256', 'EdDSA')),
    private_key  BLOB    NOT NULL,
    public_jwk   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    -- Set when a newer key takes over signing.
    retired_at   INTEGER,
    -- Stays in the JWKS until then: every token it signed has expired.
    -- NULL with retired_at set means "forever" (a never-expiring JWT key).
    publish_until INTEGER
) STRICT;

-- Access tokens (and JWT-format keys) revoked before their expiry. Rows past
-- expires_at are pruned: an expired token is refused anyway.
CREATE TABLE revoked_tokens (
    jti        TEXT    PRIMARY KEY,
    expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
