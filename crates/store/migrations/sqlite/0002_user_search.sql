-- Finding any user among millions (SQLite).
--
-- Every user has one search document: the attributes an admin searches by,
-- one per line. An FTS5 table with the trigram tokenizer indexes it, so any
-- substring of three or more characters is found through the index, ignoring
-- case. The table is contentless (the text lives in `users` only) and kept in
-- step with `users` and `organizations` by triggers. The document ends with a
-- line break, so every two-character substring is the start of some indexed
-- trigram: `user_search_terms` lists them, which lets two-character words use
-- the index too.

ALTER TABLE users ADD COLUMN name_normalized TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN two_factor_enabled BOOLEAN NOT NULL DEFAULT FALSE;
-- The user's role ids as index tokens (private-use characters around each
-- id, in id order), so a role filter is one more term of the index query.
-- The store writes it with the user; the user_roles triggers keep it true.
ALTER TABLE users ADD COLUMN role_tokens TEXT NOT NULL DEFAULT '';
UPDATE users SET name_normalized = lower(trim(last_name || ' ' || first_name));

-- Sort orders; each ends with the id so pages neither overlap nor skip.
CREATE INDEX users_by_name ON users (name_normalized, id);
CREATE INDEX users_by_login ON users (login_normalized, id);
CREATE INDEX users_by_email ON users (COALESCE(email_normalized, '~'), id);
CREATE INDEX users_by_last_login ON users (COALESCE(last_login_at, 0), id);
-- Facets that pick out few users.
CREATE INDEX users_with_failed_logins ON users (failed_logins) WHERE failed_logins > 0;
CREATE INDEX users_inactive ON users (id) WHERE NOT active;
CREATE INDEX users_by_organization ON users (organization_id);

CREATE VIEW user_search_documents AS
SELECT u.id, u.role_tokens,
       u.first_name || ' ' || u.last_name || char(10) || u.login || char(10) || COALESCE(u.email, '') || char(10)
       || u.phone || char(10) || u.mobile || char(10) || COALESCE(o.name, '') || char(10) || u.department
       || char(10) || u.city || char(10) || u.note || char(10) AS document
FROM users u LEFT JOIN organizations o ON o.id = u.organization_id;

CREATE VIRTUAL TABLE user_search USING fts5 (
    document, tokenize = 'trigram', content = '', contentless_delete = 1
);
CREATE VIEW user_role_tokens AS
SELECT u.id AS user_id, COALESCE((
    SELECT group_concat(t, '') FROM (
        SELECT char(57344) || ur.role_id || char(57344) AS t FROM user_roles ur WHERE ur.user_id = u.id
        ORDER BY ur.role_id)), '') AS tokens
FROM users u;
UPDATE users SET role_tokens = (SELECT tokens FROM user_role_tokens WHERE user_id = users.id);
-- What the index holds: the document, then the role tokens (never matched by typed words).
INSERT INTO user_search (rowid, document) SELECT id, document || role_tokens FROM user_search_documents;
CREATE VIRTUAL TABLE user_search_terms USING fts5vocab (user_search, 'row');

CREATE TRIGGER user_search_after_insert AFTER INSERT ON users BEGIN
    INSERT INTO user_search (rowid, document)
    SELECT id, document || role_tokens FROM user_search_documents WHERE id = new.id;
END;

CREATE TRIGGER user_search_after_update
AFTER UPDATE OF first_name, last_name, login, email, phone, mobile, organization_id, department, city, note,
    role_tokens ON users
BEGIN
    DELETE FROM user_search WHERE rowid = old.id;
    INSERT INTO user_search (rowid, document)
    SELECT id, document || role_tokens FROM user_search_documents WHERE id = new.id;
END;

CREATE TRIGGER user_search_after_delete AFTER DELETE ON users BEGIN
    DELETE FROM user_search WHERE rowid = old.id;
END;

CREATE TRIGGER user_search_after_organization_rename AFTER UPDATE OF name ON organizations BEGIN
    DELETE FROM user_search WHERE rowid IN (SELECT id FROM users WHERE organization_id = new.id);
    INSERT INTO user_search (rowid, document)
    SELECT d.id, d.document || d.role_tokens FROM users u JOIN user_search_documents d ON d.id = u.id
    WHERE u.organization_id = new.id;
END;

-- Role changes rewrite role_tokens (which re-indexes the user) unless the
-- store already wrote the same tokens with the user.
CREATE TRIGGER user_role_tokens_after_insert AFTER INSERT ON user_roles BEGIN
    UPDATE users SET role_tokens = (SELECT tokens FROM user_role_tokens WHERE user_id = new.user_id)
    WHERE id = new.user_id AND role_tokens IS NOT (SELECT tokens FROM user_role_tokens WHERE user_id = new.user_id);
END;

CREATE TRIGGER user_role_tokens_after_delete AFTER DELETE ON user_roles BEGIN
    UPDATE users SET role_tokens = (SELECT tokens FROM user_role_tokens WHERE user_id = old.user_id)
    WHERE id = old.user_id;
END;
