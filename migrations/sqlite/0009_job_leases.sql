-- Jobs that must run on one instance at a time (the expiry scheduler, with
-- its auto-renewals). The instance holding a job's lease runs it and renews
-- the lease on every pass; another takes over once it lapses. `fence` goes
-- up at every change of holder, and a pass commits only while the lease
-- still carries the fence it was given, so a holder that stalled past its
-- lease (a long pause, a frozen VM) cannot write after its successor began.
CREATE TABLE job_leases (
    job        TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    fence      INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
