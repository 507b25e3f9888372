-- When the person behind a session last proved who they are: at sign-in,
-- and again when re-entering their password (and code) before actions that
-- could take an account over. A new sign-in is its own proof.
ALTER TABLE sessions ADD COLUMN confirmed_at BIGINT;
UPDATE sessions SET confirmed_at = created_at;
