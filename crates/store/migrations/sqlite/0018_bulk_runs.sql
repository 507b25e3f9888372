-- Bulk actions on the Users panel. A preview writes a run and the users it
-- covers, each with the version they had then; the run then changes them a
-- chunk at a time, and refuses any user whose version moved meanwhile.
CREATE TABLE bulk_runs (
    id INTEGER PRIMARY KEY,
    -- Only the admin who previewed a run may run or cancel it.
    admin_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    action TEXT NOT NULL,
    -- The panel's address the selection came from, or a note that users were picked.
    view TEXT NOT NULL,
    state TEXT NOT NULL,
    total INTEGER NOT NULL DEFAULT 0,
    changed INTEGER NOT NULL DEFAULT 0,
    already INTEGER NOT NULL DEFAULT 0,
    refused INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    -- When its first chunk ran: its rate, and the time it has still to go.
    started_at INTEGER
);
CREATE INDEX bulk_runs_by_age ON bulk_runs (created_at);

-- No reference to users: a run that deletes users keeps their outcome.
CREATE TABLE bulk_run_users (
    run_id INTEGER NOT NULL REFERENCES bulk_runs (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    -- NULL until the run reaches the user: 'changed', 'already' or 'refused'.
    outcome TEXT,
    -- Why a refused user was refused.
    reason TEXT,
    PRIMARY KEY (run_id, user_id)
) WITHOUT ROWID;
-- The users a run has still to reach, in the order it reaches them.
CREATE INDEX bulk_run_users_pending ON bulk_run_users (run_id, user_id) WHERE outcome IS NULL;
