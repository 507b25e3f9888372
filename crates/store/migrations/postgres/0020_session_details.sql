-- Edit User → Sessions lists a user's sessions: each gets an id of its own
-- to be named by (the cookie's hash is never shown), kept when the session
-- is given a new cookie, and the address and browser it was last seen from.
ALTER TABLE sessions ADD COLUMN public_id TEXT;
ALTER TABLE sessions ADD COLUMN address TEXT;
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
UPDATE sessions SET public_id = md5(random()::text || token_hash);
