-- Two-factor sign-in (TOTP, RFC 6238). The TOTP key must be read back to
-- check codes, so it is sealed (AES-256-GCM) under a key derived from the
-- master-key file; recovery codes and pending sign-ins are kept only as HMAC
-- digests. The install-wide policy lives in instance_settings
-- (`two_factor_policy`), so every instance on the database applies it.

-- A user's TOTP key. `confirmed_at` is NULL while an enrolment waits for its
-- first code; `last_step` is the last accepted 30-second step, so a code is
-- accepted once even within its own window.
CREATE TABLE user_second_factors (
    user_id       INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_sealed BLOB    NOT NULL,
    created_at    INTEGER NOT NULL,
    confirmed_at  INTEGER,
    last_step     INTEGER
) STRICT;

-- The ten one-time recovery codes of a confirmed enrolment, as digests.
CREATE TABLE recovery_codes (
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash BLOB    NOT NULL,
    used_at   INTEGER,
    PRIMARY KEY (user_id, code_hash)
) STRICT, WITHOUT ROWID;

-- A sign-in whose password was right and that waits for its second factor.
-- The cookie holds a random token; only its digest is here. Lives 5 minutes.
CREATE TABLE pending_sign_ins (
    token_hash BLOB    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX pending_sign_ins_by_user ON pending_sign_ins (user_id);
