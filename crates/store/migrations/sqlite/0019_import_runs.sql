-- Import CSV. A test run reads a file and records every row: what it would
-- do, its problems, and (for the rows that pass) the details to write, with
-- any password sealed. The import then writes the rows a chunk at a time.
CREATE TABLE import_runs (
    id INTEGER PRIMARY KEY,
    -- Only the admin who tested a file may import it.
    admin_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    update_existing BOOLEAN NOT NULL,
    state TEXT NOT NULL,
    -- Why the file could not be read at all.
    problem TEXT,
    -- The file's columns that are not imported (read-only ones, unknown ones), as JSON.
    ignored_columns TEXT NOT NULL DEFAULT '[]',
    -- Whether importing sets passwords or gives admin roles (admin mode's to allow).
    needs_admin_mode BOOLEAN NOT NULL DEFAULT FALSE,
    plan_create INTEGER NOT NULL DEFAULT 0,
    plan_update INTEGER NOT NULL DEFAULT 0,
    plan_unchanged INTEGER NOT NULL DEFAULT 0,
    plan_invalid INTEGER NOT NULL DEFAULT 0,
    created INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    refused INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    -- When an instance last wrote a chunk of it: a running import nobody
    -- has written for a while has stopped, and may be taken up again.
    heartbeat_at INTEGER
);
CREATE INDEX import_runs_by_age ON import_runs (created_at);

CREATE TABLE import_rows (
    run_id INTEGER NOT NULL REFERENCES import_runs (id) ON DELETE CASCADE,
    line INTEGER NOT NULL,
    login TEXT NOT NULL,
    -- 'create', 'update', 'unchanged' or 'invalid'.
    plan TEXT NOT NULL,
    -- The user an update is for, and the version the test run saw.
    user_id INTEGER,
    version INTEGER,
    -- What to write (JSON), for rows to create or update; cleared once the row
    -- is written or refused, or the import is cancelled.
    details TEXT,
    -- JSON list of [column, message].
    problems TEXT NOT NULL,
    -- NULL until the import reaches a row it writes: 'created', 'updated' or 'refused'.
    outcome TEXT,
    reason TEXT,
    PRIMARY KEY (run_id, line)
) WITHOUT ROWID;
-- The rows an import has still to write, in file order.
CREATE INDEX import_rows_pending ON import_rows (run_id, line) WHERE outcome IS NULL AND plan IN ('create', 'update');
