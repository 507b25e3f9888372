-- Admins viewing Roster from a user's perspective. The row outlives the
-- admin's sessions: signing out and in again resumes the view. It ends
-- with Back to my view, or when the user signs in themselves.
CREATE TABLE impersonations (
    admin_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    started_at BIGINT NOT NULL
);
CREATE INDEX impersonations_by_user ON impersonations (user_id);
