-- Two-factor sign-in (TOTP, RFC 6238): see migrations/sqlite/0012_two_factor.sql.
-- The TOTP key is sealed under the master key; recovery codes and pending
-- sign-ins are HMAC digests; the policy is in instance_settings.

-- A user's TOTP key; `confirmed_at` NULL while enrolling; `last_step` is the
-- last accepted 30-second step (a code is accepted once).
CREATE TABLE user_second_factors (
    user_id       BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_sealed BYTEA  NOT NULL,
    created_at    BIGINT NOT NULL,
    confirmed_at  BIGINT,
    last_step     BIGINT
);

-- The ten one-time recovery codes of a confirmed enrolment, as digests.
CREATE TABLE recovery_codes (
    user_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash BYTEA  NOT NULL,
    used_at   BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

-- A sign-in whose password was right and that waits for its second factor.
CREATE TABLE pending_sign_ins (
    token_hash BYTEA  PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL
);

CREATE INDEX pending_sign_ins_by_user ON pending_sign_ins (user_id);
