-- A lock from failed sign-ins lifts itself: locked_until is when (a time
-- far in the future: when an admin unlocks), lockouts how many locks in a
-- row came without a successful sign-in between them, which sets the next
-- wait. failed_logins counts toward the next lock and starts again at each.
ALTER TABLE users ADD COLUMN locked_until INTEGER;
ALTER TABLE users ADD COLUMN lockouts INTEGER NOT NULL DEFAULT 0;
-- Accounts locked before locks lifted themselves (10 failures, the default
-- threshold) had their first lock: it lifted a minute after the last failure.
UPDATE users SET locked_until = COALESCE(last_failed_login_at, 0) + 60, lockouts = 1, failed_logins = 0
    WHERE failed_logins >= 10;
CREATE INDEX users_locked ON users (locked_until) WHERE locked_until IS NOT NULL;
