-- Required actions: steps a user must take right after signing in, before
-- anything else. An admin asks for a new password (and setting someone's
-- password asks for it by itself); a role can require two-factor, which
-- sends its holders without a method to set up an authenticator app.
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE roles ADD COLUMN require_two_factor BOOLEAN NOT NULL DEFAULT FALSE;
