-- A session given a new id keeps its old row for a few seconds, marked
-- replaced: requests already on their way with the old id still work, and
-- none of them signs the browser out.
ALTER TABLE sessions ADD COLUMN replaced_at BIGINT;
