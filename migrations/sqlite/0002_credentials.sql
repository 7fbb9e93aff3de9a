-- Credentials and their secrets. A secret is stored only as
-- HMAC-SHA256(pepper, secret); the pepper is derived from master.key, which
-- is not in this database.

CREATE TABLE credentials (
    id             INTEGER PRIMARY KEY,
    -- The id the API and the console use: key_<16 base62>.
    public_id      TEXT    NOT NULL UNIQUE,
    account_id     INTEGER NOT NULL REFERENCES accounts (id),
    -- Unique in its account and never changed.
    name           TEXT    NOT NULL,
    description    TEXT,
    kind           TEXT    NOT NULL CHECK (kind IN ('api_key', 'basic', 'oauth_client')),
    environment    TEXT    NOT NULL CHECK (environment IN ('prod', 'stg', 'dev')),
    -- What the console shows, e.g. kw_prod_8xK9: enough to recognise, never to use.
    display_prefix TEXT    NOT NULL,
    -- The public half of a basic or oauth_client pair (kwc_…).
    client_id      TEXT    UNIQUE,
    -- JSON arrays of scopes, roles, CIDRs and {methods, path} rights.
    scopes         TEXT    NOT NULL DEFAULT '[]',
    roles          TEXT    NOT NULL DEFAULT '[]',
    allowed_cidrs  TEXT    NOT NULL DEFAULT '[]',
    rights         TEXT    NOT NULL DEFAULT '[]',
    expires_at     INTEGER,
    -- The lifetime the credential was created with; auto-renew extends by it.
    lifetime_secs  INTEGER,
    auto_renew     INTEGER NOT NULL DEFAULT 0 CHECK (auto_renew IN (0, 1)),
    metadata       TEXT    NOT NULL DEFAULT '{}',
    created_at     INTEGER NOT NULL,
    created_by     TEXT    NOT NULL,
    -- Batched from memory every few seconds, never written on the request path.
    last_used_at   INTEGER,
    last_used_ip   TEXT,
    revoked_at     INTEGER,
    UNIQUE (account_id, name)
) STRICT;

-- The console lists newest first per account, and the scheduler finds expiring keys.
CREATE INDEX credentials_by_account ON credentials (account_id, id);
CREATE INDEX credentials_by_expiry ON credentials (expires_at) WHERE revoked_at IS NULL;

-- A credential's secrets: the current one (retires_at IS NULL) and, after a
-- rotation, the previous one until its grace period ends.
CREATE TABLE credential_secrets (
    digest        BLOB    PRIMARY KEY,
    credential_id INTEGER NOT NULL REFERENCES credentials (id),
    created_at    INTEGER NOT NULL,
    retires_at    INTEGER
) STRICT, WITHOUT ROWID;

CREATE INDEX credential_secrets_by_credential ON credential_secrets (credential_id);
