-- Optimistic concurrency for credential changes. Every management change
-- (edit, rotation, revocation, renewal) bumps the version: PATCH answers it
-- as the ETag and honours If-Match, an UPDATE names the version it read,
-- and the in-memory verification index never goes back to an older one.
-- Last-used times are not a change: they leave the version alone.
ALTER TABLE credentials ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- The same for accounts: an account change bumps it, and the in-memory gate
-- (the Enable API switch, the plan) never goes back to an older version
-- that a slower refresh read before the change.
ALTER TABLE accounts ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- Facts about this install chosen once and then kept. `issuer`: the `iss`
-- of access tokens when the operator sets no public URL, pinned at the
-- first start so resource servers (RFC 9068 §4) and Keyward itself can
-- check it, instead of whatever Host header a request carried.
CREATE TABLE instance_settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT, WITHOUT ROWID;
