-- The shared side of rate limits when several instances serve one database:
-- each credential's GCRA "theoretical arrival time" (µs), from which instances
-- lease small slices of the budget with one atomic update (see
-- src/service/rate_slices.rs). A single process never reads it.
CREATE TABLE rate_limit_budgets (
    credential_id INTEGER PRIMARY KEY REFERENCES credentials (id) ON DELETE CASCADE,
    tat_us        INTEGER NOT NULL
) STRICT;
