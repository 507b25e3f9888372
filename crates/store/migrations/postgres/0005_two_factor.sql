-- Second factors, and sign-ins that wait for one.

-- One authenticator app per user. A setup in progress keeps its secret in
-- pending_secret until the user confirms a code; secret is the enabled one.
CREATE TABLE authenticator_apps (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret TEXT,
    pending_secret TEXT,
    -- The last time step (Unix time / 30) whose code was accepted: a code is
    -- accepted only for a later step, so none is accepted twice.
    last_step BIGINT NOT NULL DEFAULT -1,
    enabled_at BIGINT
);

-- SHA-256 of each recovery code (80 random bits, so a hash cannot be
-- searched back to its code); used_at marks it spent.
CREATE TABLE recovery_codes (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX recovery_codes_by_user ON recovery_codes (user_id, code_hash);

-- A session that passed the password step but still owes a code: it grants
-- nothing except entering that code.
ALTER TABLE sessions ADD COLUMN awaiting_code BOOLEAN NOT NULL DEFAULT FALSE;
