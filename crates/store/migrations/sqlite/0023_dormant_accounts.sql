-- Dormant accounts: the Users panel's "No sign-in for N days", and the
-- deactivation of accounts without a sign-in for that long.
-- When an admin last made the account active again: its days start anew then.
ALTER TABLE users ADD COLUMN activated_at BIGINT;
-- When Roster deactivated it for inactivity; cleared when it is active again.
ALTER TABLE users ADD COLUMN inactivity_deactivated_at BIGINT;
-- Since when nobody signed in: the last sign-in, or the account's creation.
CREATE INDEX users_by_last_activity ON users (COALESCE(last_login_at, created_at));
-- Work one instance of several does on a schedule: whoever takes the lease
-- (an atomic UPDATE) does it; the others find it taken or done.
CREATE TABLE scheduled_jobs (
    name TEXT PRIMARY KEY,
    holder TEXT,
    lease_until BIGINT NOT NULL DEFAULT 0,
    last_run_at BIGINT NOT NULL DEFAULT 0
);
INSERT INTO scheduled_jobs (name) VALUES ('deactivate_dormant');
