-- The audit log filtered by one kind of event walks this index backwards
-- from the newest, instead of reading the whole trail for a rare kind.
CREATE INDEX audit_events_by_action ON audit_events (action, id);
