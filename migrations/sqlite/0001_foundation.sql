-- Keyward's foundation: accounts, console users, sessions, the first-run setup
-- link and the audit trail. Every time is Unix seconds (UTC). Secrets never
-- appear here: sessions and setup links are stored as HMAC digests keyed by the
-- master-key file, which lives outside the database.

-- A tenant. "Enable API" (api_enabled) gates every credential of the account.
CREATE TABLE accounts (
    id                  INTEGER PRIMARY KEY,
    name                TEXT    NOT NULL UNIQUE,
    plan                TEXT    NOT NULL DEFAULT 'starter'
                                CHECK (plan IN ('starter', 'professional', 'enterprise')),
    api_enabled         INTEGER NOT NULL DEFAULT 1 CHECK (api_enabled IN (0, 1)),
    allow_query_key     INTEGER NOT NULL DEFAULT 1 CHECK (allow_query_key IN (0, 1)),
    -- A JSON array of addresses that hear about expiring credentials.
    notification_emails TEXT    NOT NULL DEFAULT '[]',
    created_at          INTEGER NOT NULL DEFAULT (unixepoch())
) STRICT;

INSERT INTO accounts (name) VALUES ('default');

-- A console user. The e-mail is stored lower-cased; the hash is argon2id (PHC).
CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    email           TEXT    NOT NULL UNIQUE,
    password_hash   TEXT    NOT NULL,
    role            TEXT    NOT NULL
                            CHECK (role IN ('global_admin', 'global_viewer', 'account_viewer')),
    -- For an Account Viewer: 1 = every account, 0 = only those in user_accounts.
    all_accounts    INTEGER NOT NULL DEFAULT 0 CHECK (all_accounts IN (0, 1)),
    disabled_at     INTEGER,
    created_at      INTEGER NOT NULL,
    last_sign_in_at INTEGER
) STRICT;

-- The accounts an Account Viewer may read.
CREATE TABLE user_accounts (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, account_id)
) STRICT, WITHOUT ROWID;

-- A console session. The cookie holds a random token; only its digest is here.
CREATE TABLE sessions (
    token_hash   BLOB    PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    ip           TEXT,
    user_agent   TEXT
) STRICT, WITHOUT ROWID;

CREATE INDEX sessions_by_user ON sessions (user_id);

-- The one-time /setup link printed on first start. A new start with no users
-- replaces it; using it marks it used.
CREATE TABLE setup_tokens (
    token_hash BLOB    PRIMARY KEY,
    created_at INTEGER NOT NULL,
    used_at    INTEGER
) STRICT, WITHOUT ROWID;

-- Every state change: who (actor), what (action, target), when (at), where (ip).
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    actor_kind TEXT    NOT NULL CHECK (actor_kind IN ('user', 'credential', 'system', 'anonymous')),
    actor_id   INTEGER,
    -- The actor's e-mail, credential prefix or "system", as it was at the time.
    actor      TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    target     TEXT,
    account_id INTEGER REFERENCES accounts (id),
    ip         TEXT,
    -- A JSON object of extra facts; never a secret.
    details    TEXT    NOT NULL DEFAULT '{}'
) STRICT;

CREATE INDEX audit_by_action ON audit_log (action, id);
CREATE INDEX audit_by_account ON audit_log (account_id, id);
CREATE INDEX audit_by_target ON audit_log (target, id);
CREATE INDEX audit_by_actor ON audit_log (actor, id);
