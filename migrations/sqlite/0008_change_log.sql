-- What changed, in commit order, so that every process on this database
-- brings what it holds in memory up to date: a second server instance, or a
-- server beside the CLI. Each polls the rows after the last one it applied;
-- a change is written in the same transaction as the change itself, so a
-- committed change is never missing from the log. `id` names the credential
-- or account row; `jti` the revoked access token; signing-key changes name
-- nothing (the whole ring is reloaded). Rows are pruned after an hour; a
-- process that fell further behind than that reloads everything.
CREATE TABLE change_log (
    seq  INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('credential', 'account', 'signing_keys', 'token_revoked')),
    id   INTEGER,
    jti  TEXT,
    at   INTEGER NOT NULL
) STRICT;

CREATE INDEX change_log_at ON change_log (at);
