-- Rate limits. An account's plan sets the default per-credential limit; an
-- enterprise account may set its own, and a credential may override either.
-- Both hold JSON: {"limited":{"limit":…,"window_seconds":…,"burst":…}} or "unlimited".
ALTER TABLE accounts ADD COLUMN rate_limit TEXT;
ALTER TABLE credentials ADD COLUMN rate_limit TEXT;
