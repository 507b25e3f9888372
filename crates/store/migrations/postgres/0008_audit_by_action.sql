-- The audit log filtered by one kind of event walks this index backwards
-- from the newest, instead of reading the whole trail for a rare kind.
-- IF NOT EXISTS: on a large PostgreSQL trail an operator may build it first,
-- without holding up sign-ins, with CREATE INDEX CONCURRENTLY and this name.
CREATE INDEX IF NOT EXISTS audit_events_by_action ON audit_events (action, id);
