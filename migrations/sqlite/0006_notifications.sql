-- Notifications: webhook endpoints, a durable outbox of events, one delivery
-- row per event and destination, and the SMTP settings.

-- Webhook endpoints, per account. The signing secret is sealed (AES-256-GCM)
-- under a key derived from master.key, which is not in this database.
CREATE TABLE webhooks (
    id            INTEGER PRIMARY KEY,
    public_id     TEXT    NOT NULL UNIQUE,
    account_id    INTEGER NOT NULL REFERENCES accounts (id),
    url           TEXT    NOT NULL,
    -- JSON array of event types.
    events        TEXT    NOT NULL,
    secret_sealed BLOB    NOT NULL,
    created_at    INTEGER NOT NULL,
    -- Set when a delivery kept failing for 24 hours; cleared by a success.
    failing_since INTEGER,
    deleted_at    INTEGER
) STRICT;

CREATE INDEX webhooks_by_account ON webhooks (account_id) WHERE deleted_at IS NULL;

-- The outbox. An event is written in the transaction of the change that
-- caused it, together with its deliveries, so a crash loses neither.
-- dedupe_key makes notices idempotent: a second expiring notice for the same
-- credential, expiry and threshold, or a second ratelimit.exceeded in the
-- same hour, is never written.
CREATE TABLE events (
    id            INTEGER PRIMARY KEY,
    public_id     TEXT    NOT NULL UNIQUE,
    type          TEXT    NOT NULL,
    account_id    INTEGER REFERENCES accounts (id),
    credential_id INTEGER REFERENCES credentials (id),
    -- The JSON body every webhook receives.
    payload       TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    dedupe_key    TEXT    UNIQUE
) STRICT;

-- One row per event and destination: a webhook, or an e-mail address.
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    event_id        INTEGER NOT NULL REFERENCES events (id),
    webhook_id      INTEGER REFERENCES webhooks (id),
    email           TEXT,
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    next_attempt_at INTEGER,
    last_status     INTEGER,
    last_error      TEXT,
    delivered_at    INTEGER,
    CHECK ((webhook_id IS NULL) <> (email IS NULL))
) STRICT;

-- The worker's queue, and each endpoint's delivery log.
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_by_webhook ON deliveries (webhook_id, id);

-- One row: how e-mail leaves. The password is sealed like webhook secrets.
CREATE TABLE smtp_settings (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    host            TEXT    NOT NULL,
    port            INTEGER NOT NULL,
    security        TEXT    NOT NULL CHECK (security IN ('starttls', 'tls', 'none')),
    username        TEXT,
    password_sealed BLOB,
    from_address    TEXT    NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
