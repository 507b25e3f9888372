-- Roster's initial schema (SQLite). Times are Unix seconds (UTC).

CREATE TABLE organizations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    name_normalized TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    -- AUTOINCREMENT: ids are never reused, so id order is creation order.
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    login TEXT NOT NULL,
    login_normalized TEXT NOT NULL UNIQUE,
    first_name TEXT NOT NULL DEFAULT '',
    last_name TEXT NOT NULL DEFAULT '',
    email TEXT,
    email_normalized TEXT UNIQUE,
    web TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    mobile TEXT NOT NULL DEFAULT '',
    fax TEXT NOT NULL DEFAULT '',
    organization_id BIGINT REFERENCES organizations (id) ON DELETE SET NULL,
    department TEXT NOT NULL DEFAULT '',
    street TEXT NOT NULL DEFAULT '',
    zip TEXT NOT NULL DEFAULT '',
    city TEXT NOT NULL DEFAULT '',
    country TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    vip BOOLEAN NOT NULL DEFAULT FALSE,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    -- NULL: the user cannot sign in until a password is set.
    password_hash TEXT,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    last_failed_login_at BIGINT,
    last_login_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE user_secondary_organizations (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organization_id BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, organization_id)
);

CREATE TABLE roles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    builtin BOOLEAN NOT NULL DEFAULT FALSE
);

INSERT INTO roles (id, name, builtin) VALUES (1, 'Admin', TRUE), (2, 'Agent', TRUE), (3, 'Customer', TRUE);

CREATE TABLE user_roles (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id BIGINT NOT NULL REFERENCES roles (id) ON DELETE RESTRICT,
    PRIMARY KEY (user_id, role_id)
);
CREATE INDEX user_roles_by_role ON user_roles (role_id, user_id);

CREATE TABLE sessions (
    -- SHA-256 of the cookie's token: a copy of this table signs nobody in.
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The admin behind an impersonation, if any.
    impersonator_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_impersonator ON sessions (impersonator_id);

CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at BIGINT NOT NULL,
    -- No foreign keys: the trail outlives the users it names.
    actor_id BIGINT,
    on_behalf_of_id BIGINT,
    action TEXT NOT NULL,
    target_user_id BIGINT,
    detail TEXT NOT NULL DEFAULT '',
    ip TEXT
);
CREATE INDEX audit_events_by_target ON audit_events (target_user_id);
