-- A session whose user's rights changed gets a new id on its next request.
ALTER TABLE sessions ADD COLUMN rotate BOOLEAN NOT NULL DEFAULT FALSE;
-- One view of a user at a time: a second admin entering it is refused.
DROP INDEX impersonations_by_user;
CREATE UNIQUE INDEX impersonations_by_user ON impersonations (user_id);
