-- Application credentials (OVH style): the application key is the client_id,
-- the application secret is sealed under the master key (a signature check
-- needs it back, so it cannot be a keyed hash), and each consumer key is a
-- row of its own with its own rights, account and validity.
--
-- SQLite cannot widen a CHECK constraint in place, so the credentials table
-- is rebuilt (https://sqlite.org/lang_altertable.html, "making other kinds of
-- table schema changes"): copy, drop, rename. Migrations run on a connection
-- with foreign keys off (Store::migrate), which that procedure needs, and
-- Store::migrate checks every reference afterwards.

CREATE TABLE credentials_rebuilt (
    id             INTEGER PRIMARY KEY,
    public_id      TEXT    NOT NULL UNIQUE,
    account_id     INTEGER NOT NULL REFERENCES accounts (id),
    name           TEXT    NOT NULL,
    description    TEXT,
    kind           TEXT    NOT NULL CHECK (kind IN ('api_key', 'basic', 'oauth_client', 'application')),
    environment    TEXT    NOT NULL CHECK (environment IN ('prod', 'stg', 'dev')),
    display_prefix TEXT    NOT NULL,
    -- The public half of a basic or oauth_client pair (kwc_…), or an application key.
    client_id      TEXT    UNIQUE,
    scopes         TEXT    NOT NULL DEFAULT '[]',
    roles          TEXT    NOT NULL DEFAULT '[]',
    allowed_cidrs  TEXT    NOT NULL DEFAULT '[]',
    rights         TEXT    NOT NULL DEFAULT '[]',
    expires_at     INTEGER,
    lifetime_secs  INTEGER,
    auto_renew     INTEGER NOT NULL DEFAULT 0 CHECK (auto_renew IN (0, 1)),
    metadata       TEXT    NOT NULL DEFAULT '{}',
    created_at     INTEGER NOT NULL,
    created_by     TEXT    NOT NULL,
    last_used_at   INTEGER,
    last_used_ip   TEXT,
    revoked_at     INTEGER,
    token_ttl_secs INTEGER,
    format         TEXT    NOT NULL DEFAULT 'opaque' CHECK (format IN ('opaque', 'jwt')),
    signing_kid    TEXT,
    rate_limit     TEXT,
    version        INTEGER NOT NULL DEFAULT 1,
    -- An application's secret, sealed (AES-256-GCM under a key derived from master.key).
    app_secret     BLOB,
    UNIQUE (account_id, name)
) STRICT;

INSERT INTO credentials_rebuilt (
    id, public_id, account_id, name, description, kind, environment, display_prefix, client_id,
    scopes, roles, allowed_cidrs, rights, expires_at, lifetime_secs, auto_renew, metadata,
    created_at, created_by, last_used_at, last_used_ip, revoked_at, token_ttl_secs, format,
    signing_kid, rate_limit, version)
SELECT
    id, public_id, account_id, name, description, kind, environment, display_prefix, client_id,
    scopes, roles, allowed_cidrs, rights, expires_at, lifetime_secs, auto_renew, metadata,
    created_at, created_by, last_used_at, last_used_ip, revoked_at, token_ttl_secs, format,
    signing_kid, rate_limit, version
FROM credentials;

DROP TABLE credentials;
ALTER TABLE credentials_rebuilt RENAME TO credentials;
CREATE INDEX credentials_by_account ON credentials (account_id, id);
CREATE INDEX credentials_by_expiry ON credentials (expires_at) WHERE revoked_at IS NULL;

-- An application's consumer keys. The consumer key itself travels in every
-- signed request (X-Ovh-Consumer), so a keyed hash is enough to find it; only
-- the application secret has to be read back.
CREATE TABLE consumer_keys (
    id                INTEGER PRIMARY KEY,
    -- The id URLs use (ck_<16 base62>); the consumer key never appears in one.
    public_id         TEXT    NOT NULL UNIQUE,
    credential_id     INTEGER NOT NULL REFERENCES credentials (id),
    -- The account it acts on (picked when it is approved).
    account_id        INTEGER NOT NULL REFERENCES accounts (id),
    -- HMAC-SHA256(pepper, consumer key).
    digest            BLOB    NOT NULL UNIQUE,
    display_prefix    TEXT    NOT NULL,
    rights            TEXT    NOT NULL DEFAULT '[]',
    allowed_cidrs     TEXT    NOT NULL DEFAULT '[]',
    state             TEXT    NOT NULL CHECK (state IN ('pending', 'active', 'refused')),
    -- HMAC of the validation URL's token, while the key waits for a decision.
    validation_digest BLOB    UNIQUE,
    redirection       TEXT,
    -- Pending: the deadline to decide; active: the end of its validity (NULL: unlimited).
    expires_at        INTEGER,
    created_at        INTEGER NOT NULL,
    decided_at        INTEGER,
    decided_by        TEXT,
    revoked_at        INTEGER,
    last_used_at      INTEGER,
    last_used_ip      TEXT
) STRICT;

CREATE INDEX consumer_keys_by_credential ON consumer_keys (credential_id, id);
