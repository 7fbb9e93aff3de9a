-- Usage analytics: calls per credential, per hour (Unix seconds at the start
-- of the hour) and per outcome code. Counted in memory, added here in batches.
-- Hours older than 90 days are rolled up into usage_daily.
CREATE TABLE usage_hourly (
    credential_id INTEGER NOT NULL REFERENCES credentials (id),
    hour          INTEGER NOT NULL,
    code          TEXT    NOT NULL,
    count         INTEGER NOT NULL,
    PRIMARY KEY (credential_id, hour, code)
) STRICT, WITHOUT ROWID;

CREATE INDEX usage_hourly_by_hour ON usage_hourly (hour);

CREATE TABLE usage_daily (
    credential_id INTEGER NOT NULL REFERENCES credentials (id),
    day           INTEGER NOT NULL,
    code          TEXT    NOT NULL,
    count         INTEGER NOT NULL,
    PRIMARY KEY (credential_id, day, code)
) STRICT, WITHOUT ROWID;
